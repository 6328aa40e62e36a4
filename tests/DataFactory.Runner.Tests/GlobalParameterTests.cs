using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;
using DataFactory.Runner.Run;

namespace DataFactory.Runner.Tests;

/// <summary>
/// pipeline().globalParameters: cases of microsoft/data-factory-testing-framework test_evaluate (ids in comments),
/// the factory file of an ADF git folder, and --global overrides.
/// </summary>
public sealed class GlobalParameterTests : IDisposable
{
    private readonly RunnerHarness _harness = new();
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("adf-globals-");

    public void Dispose()
    {
        _harness.Dispose();
        _root.Delete(recursive: true);
    }

    private static JsonNode? Eval(string expression, string[] globals, params string[] parameters) =>
        EvalContext.Evaluate(expression, EvalContext.From(parameters, GlobalParameters.Resolve([], globals)));

    [Theory]
    [InlineData("@pipeline().globalParameters.parameter", "value")] // pipeline_global_parameters_reference
    [InlineData("/repos/@{pipeline().globalParameters.parameter}/", "/repos/value/")] // string_interpolation
    [InlineData("@{pipeline().globalParameters.parameter}", "value")] // string_interpolation_with_no_surrounding_literals
    [InlineData("/Repos/@{pipeline().globalParameters.parameter}/@{pipeline().parameters.SubPath}", "/Repos/value/apath")] // string_interpolation_with_multiple_expressions
    public void Global_parameters_are_read_like_pipeline_parameters(string expression, string expected) =>
        Assert.Equal(expected, Eval(expression, ["parameter=value"], "SubPath=apath")!.GetValue<string>());

    [Fact]
    public void An_undefined_global_parameter_is_an_error_that_names_it()
    {
        // test_evaluate_raises_exception_when_pipeline_global_parameter_not_found
        var error = Assert.Throws<ExpressionException>(() => Eval("@pipeline().globalParameters.parameter", []));
        Assert.Contains("no property 'parameter'", error.Reason);
    }

    [Fact]
    public async Task A_run_and_the_pipelines_it_executes_see_the_global_parameters()
    {
        _harness.GlobalParameters["env"] = "dev";
        _harness.Pipelines["Child"] = new Pipeline("Child")
        {
            Activities = { new SetVariableActivity("Return") { ReturnValues = new() { ["env"] = new Expression("@pipeline().globalParameters.env") } } },
        };
        var run = await _harness.RunAsync(new Pipeline("Parent")
        {
            Activities =
            {
                new ExecutePipelineActivity("Call") { PipelineName = "Child", WaitOnCompletion = true },
                new SetVariableActivity("Return")
                {
                    DependsOn = { new("Call", DependencyCondition.Succeeded) },
                    ReturnValues = new()
                    {
                        ["mine"] = new Expression("@pipeline().globalParameters.env"),
                        ["child"] = new Expression("@activity('Call').output.pipelineReturnValue.env"),
                    },
                },
            },
        });

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal("dev", run.Output!["mine"]!.GetValue<string>());
        Assert.Equal("dev", run.Output!["child"]!.GetValue<string>());
    }

    private FileInfo GitFolder(string factoryJson)
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "pipeline"));
        Directory.CreateDirectory(Path.Combine(_root.FullName, "factory"));
        File.WriteAllText(Path.Combine(_root.FullName, "factory", "my-factory.json"), factoryJson);
        var pipeline = new FileInfo(Path.Combine(_root.FullName, "pipeline", "P.json"));
        File.WriteAllText(pipeline.FullName, """{"name":"P","properties":{"activities":[]}}""");
        return pipeline;
    }

    [Fact]
    public void The_factory_file_of_an_ADF_git_folder_declares_typed_global_parameters_that_global_options_override()
    {
        var pipeline = GitFolder("""
            {"name":"my-factory","location":"westeurope","properties":{"globalParameters":{
              "env":{"type":"String","value":"dev"},"retries":{"type":"Int","value":3},"keys":{"type":"Array","value":["a","b"]},
              "flags":{"type":"Object","value":{"fast":true}}}}}
            """);

        var factory = GlobalParameters.FactoryFileFor(pipeline);
        Assert.Equal("my-factory.json", factory!.Name);
        var values = GlobalParameters.Resolve(GlobalParameters.Read(factory), ["retries=5", "extra=11"]);

        Assert.Equal("dev", values["env"]!.GetValue<string>());
        Assert.Equal(Values.Kind.Integer, Values.KindOf(values["retries"]));
        Assert.Equal(5, values["retries"]!.GetValue<long>());
        Assert.Equal(["a", "b"], values["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.True(values["flags"]!["fast"]!.GetValue<bool>());
        Assert.Equal(Values.Kind.String, Values.KindOf(values["extra"])); // undeclared: a String, as Data Factory's default type
    }

    [Fact]
    public void A_pipeline_outside_an_ADF_git_folder_has_no_factory_file()
    {
        var file = new FileInfo(Path.Combine(_root.FullName, "P.json"));
        File.WriteAllText(file.FullName, "{}");
        Assert.Null(GlobalParameters.FactoryFileFor(file));
    }

    [Theory]
    [InlineData("""{"properties":{"globalParameters":{"n":{"type":"Number","value":1}}}}""", "global parameter 'n' has type 'Number'")]
    [InlineData("""{"properties":{"globalParameters":{"n":{"type":"Int","value":"one"}}}}""", "global parameter 'n' is Int but its value is string")]
    [InlineData("""{"properties":""", "not valid JSON")]
    public void A_bad_factory_file_says_which_parameter_and_why(string json, string message)
    {
        var factory = GlobalParameters.FactoryFileFor(GitFolder(json))!;
        Assert.Contains(message, Assert.Throws<RunParameters.ParameterException>(() => GlobalParameters.Read(factory)).Message);
    }

    [Fact]
    public void A_global_value_that_does_not_fit_its_declared_type_is_refused()
    {
        var factory = GlobalParameters.FactoryFileFor(GitFolder("""{"properties":{"globalParameters":{"n":{"type":"Int","value":1}}}}"""))!;
        Assert.Contains("'n' is int", Assert.Throws<RunParameters.ParameterException>(() => GlobalParameters.Resolve(GlobalParameters.Read(factory), ["n=x"])).Message);
    }
}
