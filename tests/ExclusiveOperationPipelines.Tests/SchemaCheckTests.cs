using System.Text.Json.Nodes;
using DataFactory.Pipelines.Arm;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;

namespace ExclusiveOperationPipelines.Tests;

/// <summary>
/// The generated ARM template checked against Azure's resource schemas offline: <c>bicep decompile</c>
/// reports properties the Microsoft.DataFactory schema does not allow (BCP037 and kin).
/// </summary>
[Trait("Needs", "Processes")]
public sealed class SchemaCheckTests
{
    [Fact]
    public async Task The_generated_template_has_no_schema_diagnostics()
    {
        var template = JsonNode.Parse(PipelineCatalog.GeneratedFiles()["arm/pipelines.json"])!.AsObject();
        var diagnostics = await BicepSchemaCheck.DiagnosticsAsync(template);
        Assert.True(diagnostics.Count == 0, "Schema diagnostics:\n" + string.Join('\n', diagnostics));
    }

    [Fact]
    public async Task A_misspelled_web_activity_property_is_caught()
    {
        var pipeline = RunExclusiveOperation.Define();
        var call = pipeline.AllActivities().Select(a => a.Activity).OfType<WebActivity>().Single(w => w.Name == "Call Durable Azure Function");
        call.ExtraTypeProperties["disableAsyncPatern"] = true;

        var diagnostics = await BicepSchemaCheck.DiagnosticsAsync(ArmTemplate.For([pipeline]));

        var diagnostic = Assert.Single(diagnostics);
        Assert.Contains("BCP037", diagnostic);
        Assert.Contains("disableAsyncPatern", diagnostic);
        Assert.Contains("turnOffAsync", diagnostic);
    }

    [Fact]
    public async Task A_policy_on_a_control_activity_is_caught()
    {
        var pipeline = RunExclusiveOperation.Define();
        pipeline.Activities.OfType<UntilActivity>().Single().Policy = new ActivityPolicy { SecureInput = true };

        var diagnostic = Assert.Single(await BicepSchemaCheck.DiagnosticsAsync(ArmTemplate.For([pipeline])));
        Assert.Contains("BCP037: The property \"policy\" is not allowed on objects of type \"Until\"", diagnostic);
    }

    [Fact]
    public void Strings_that_look_like_arm_expressions_are_escaped()
    {
        var pipeline = new Pipeline("P") { Variables = { ["v"] = new(VariableType.String) }, Activities = { new SetVariableActivity("S") { VariableName = "v", Value = "[not an ARM expression]" } } };
        var json = ArmTemplate.For([pipeline]).ToJsonString(PipelineJson.Indented);
        Assert.Contains("\"[[not an ARM expression]\"", json);
    }
}
