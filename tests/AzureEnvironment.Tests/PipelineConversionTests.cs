using System.Collections;
using System.Text.Json.Nodes;

namespace AzureEnvironment.Tests;

public sealed class PipelineConversionTests
{
    public static TheoryData<string> Pipelines =>
    [
        .. Directory.GetFiles(TestFiles.GeneratedPipelines, "*.json").Order(),
        .. Directory.GetFiles(TestFiles.RunnerSamples, "*.json").Order(),
    ];

    private static readonly Dictionary<string, object> NoDefaults = [];

    private static JsonObject Read(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    [Fact]
    public void Every_generated_pipeline_and_sample_is_covered()
    {
        Assert.True(Directory.GetFiles(TestFiles.GeneratedPipelines, "*.json").Length >= 2);
        Assert.True(Directory.GetFiles(TestFiles.RunnerSamples, "*.json").Length >= 5);
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Converting_and_back_gives_the_same_json(string file)
    {
        var original = Read(file);
        var converted = PipelineConversion.ToProviderShape(original, NoDefaults);
        var back = PipelineConversion.ToDataFactoryJson(converted);
        Assert.True(JsonNode.DeepEquals(original, back), $"{Path.GetFileName(file)} changed:\n{back.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void The_provider_shape_has_no_type_properties_and_only_serializable_values(string file)
    {
        var converted = PipelineConversion.ToProviderShape(Read(file), NoDefaults);
        var activities = 0;
        foreach (var activity in converted.Activities)
            activities += Check(activity);
        Assert.True(activities > 0);
        foreach (var parameter in converted.Parameters.Values)
            CheckValue(parameter.DefaultValue);
    }

    /// <summary>Checks an activity and its nested ones; returns how many it saw.</summary>
    private static int Check(Dictionary<string, object?> activity)
    {
        Assert.False(activity.ContainsKey("typeProperties"), $"Activity {activity["name"]} keeps typeProperties.");
        Assert.IsType<string>(activity["type"]);
        var count = 1;
        foreach (var (key, value) in activity)
        {
            CheckValue(value);
            if (key is "activities" or "ifTrueActivities" or "ifFalseActivities" or "defaultActivities")
                count += ((List<object?>)value!).Sum(a => Check((Dictionary<string, object?>)a!));
        }
        return count;
    }

    /// <summary>Pulumi's serializer takes null, bool, int, double, string, string-keyed dictionaries and lists only.</summary>
    private static void CheckValue(object? value)
    {
        switch (value)
        {
            case null or bool or int or double or string:
                return;
            case IDictionary<string, object?> map:
                foreach (var item in map.Values)
                    CheckValue(item);
                return;
            case IList list:
                foreach (var item in list)
                    CheckValue(item);
                return;
            default:
                Assert.Fail($"{value.GetType().Name} is not serializable by Pulumi.");
                return;
        }
    }

    [Fact]
    public void Nested_activities_are_flattened_too()
    {
        var pipeline = PipelineConversion.ToProviderShape(Read(Path.Combine(TestFiles.GeneratedPipelines, "RunExclusiveOperation.json")), NoDefaults);
        var until = pipeline.Activities.Single(a => (string)a["type"]! == "Until");
        var web = ((List<object?>)until["activities"]!).Cast<Dictionary<string, object?>>().Single(a => (string)a["type"]! == "WebActivity");
        Assert.Equal("POST", web["method"]);
        Assert.True(web.ContainsKey("url"));
        Assert.Equal("Expression", ((Dictionary<string, object?>)until["expression"]!)["type"]);
        Assert.IsType<int>(pipeline.Parameters["maxAttempts"].DefaultValue);
    }

    [Fact]
    public void Whole_numbers_become_int_and_fractions_double()
    {
        Assert.IsType<int>(PipelineConversion.ToValue(JsonNode.Parse("30")));
        Assert.IsType<double>(PipelineConversion.ToValue(JsonNode.Parse("2.5")));
        Assert.IsType<double>(PipelineConversion.ToValue(JsonNode.Parse("3000000000")));
        Assert.Contains("not exact as a double", Assert.Throws<ArgumentException>(() => PipelineConversion.ToValue(JsonNode.Parse("9007199254740993"))).Message);
    }

    [Fact]
    public void Parameter_defaults_are_set_for_the_parameters_a_pipeline_declares()
    {
        var document = JsonNode.Parse("""
            { "name": "P", "properties": { "activities": [ { "name": "W", "type": "Wait", "typeProperties": { "waitTimeInSeconds": 1 } } ],
              "parameters": { "functionBaseUrl": { "type": "string" }, "operation": { "type": "string", "defaultValue": "wait" } } } }
            """)!.AsObject();
        var converted = PipelineConversion.ToProviderShape(document, StackEnvironment.PipelineParameterDefaults("https://app.example", "/subscriptions/s/app"));
        Assert.Equal("https://app.example", converted.Parameters["functionBaseUrl"].DefaultValue);
        Assert.Equal("wait", converted.Parameters["operation"].DefaultValue);
        Assert.False(converted.Parameters.ContainsKey("functionAppResourceId"));
        var back = PipelineConversion.ToDataFactoryJson(converted);
        Assert.Equal("https://app.example", back["properties"]!["parameters"]!["functionBaseUrl"]!["defaultValue"]!.GetValue<string>());
    }

    /// <summary>
    /// The program takes the activities from the default-free shape and only the parameters from the one with the
    /// stack's defaults (the app's URL and id), so a pipeline's activities wait for no output of the app.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Activities_do_not_depend_on_the_parameter_defaults(string file)
    {
        var document = Read(file);
        var withoutDefaults = PipelineConversion.ToProviderShape(document, NoDefaults);
        var withDefaults = PipelineConversion.ToProviderShape(document,
            StackEnvironment.PipelineParameterDefaults("https://func-exops-dev.azurewebsites.net", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-exops-dev"));
        Assert.True(JsonNode.DeepEquals(
            PipelineConversion.ToDataFactoryJson(withoutDefaults)["properties"]!["activities"],
            PipelineConversion.ToDataFactoryJson(withDefaults)["properties"]!["activities"]), $"{file}: activities differ");
    }

    [Fact]
    public void A_property_the_conversion_would_lose_is_an_error()
    {
        var clash = JsonNode.Parse("""{ "name": "P", "properties": { "activities": [ { "name": "W", "type": "Wait", "typeProperties": { "name": "x" } } ] } }""")!.AsObject();
        Assert.Contains("in typeProperties and at the activity level", Assert.Throws<ArgumentException>(() => PipelineConversion.ToProviderShape(clash, NoDefaults)).Message);
        var unknown = JsonNode.Parse("""{ "name": "P", "properties": { "activities": [], "triggers": [] } }""")!.AsObject();
        Assert.Contains("triggers", Assert.Throws<ArgumentException>(() => PipelineConversion.ToProviderShape(unknown, NoDefaults)).Message);
    }
}
