
namespace AzureEnvironment.Tests;

/// <summary>What the ARM preview does with pipelines beyond the generated ones.</summary>
public sealed class ArmPreviewTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("arm-preview-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Pipeline_strings_that_look_like_arm_expressions_are_escaped_and_the_defaults_are_expressions()
    {
        var pipelines = Directory.CreateDirectory(Path.Combine(_folder, "pipelines")).FullName;
        File.WriteAllText(Path.Combine(pipelines, "P.json"), """
            { "name": "P", "properties": {
                "activities": [ { "name": "S", "type": "SetVariable", "typeProperties": { "variableName": "v", "value": "[not an expression]" } } ],
                "parameters": { "functionBaseUrl": { "type": "string" }, "functionAppResourceId": { "type": "string" }, "note": { "type": "string", "defaultValue": "[literal]" } },
                "variables": { "v": { "type": "String" } } } }
            """);
        var package = TestFiles.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(50), ("a.dll", "a"));
        var settings = StackConfiguration.Parse("dev", new Dictionary<string, string> { ["packagePath"] = package }, _folder);
        var template = ArmPreview.Template(StackEnvironment.Create(settings, pipelines));

        var pipeline = template["resources"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Microsoft.DataFactory/factories/pipelines")!["properties"]!;
        Assert.Equal("[[not an expression]", pipeline["activities"]![0]!["typeProperties"]!["value"]!.GetValue<string>());
        Assert.Equal("[[literal]", pipeline["parameters"]!["note"]!["defaultValue"]!.GetValue<string>());
        var names = ResourceNames.For("dev");
        Assert.Equal($"[resourceId('Microsoft.Web/sites', '{names.FunctionApp}')]", pipeline["parameters"]!["functionAppResourceId"]!["defaultValue"]!.GetValue<string>());
        Assert.StartsWith("[format('https://{0}', reference(", pipeline["parameters"]!["functionBaseUrl"]!["defaultValue"]!.GetValue<string>());
    }
}
