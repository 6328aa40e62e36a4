using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;

namespace DataFactory.Pipelines.Tests;

/// <summary>Every validation rule, each with a pipeline that breaks it and the message that says so.</summary>
public sealed class ValidationTests
{
    private static Pipeline With(params Activity[] activities) => new("P")
    {
        Parameters = { ["url"] = new(ParameterType.String) },
        Variables = { ["status"] = new(VariableType.String), ["list"] = new(VariableType.Array) },
        Activities = [.. activities],
    };

    private static ValidationError Single(Pipeline pipeline) => Assert.Single(PipelineValidator.Validate(pipeline));

    [Fact]
    public void Duplicate_activity_names_anywhere_in_the_pipeline()
    {
        var error = Single(With(
            new WaitActivity("Same"),
            new UntilActivity("Loop") { Timeout = "0.00:10:00", Activities = { new WaitActivity("Same") } }));
        Assert.Equal("P/Same", error.Path);
        Assert.Contains("2 activities are named 'Same'", error.Message);
    }

    [Fact]
    public void DependsOn_an_unknown_activity()
    {
        var error = Single(With(new WaitActivity("A") { DependsOn = { new("Nope", DependencyCondition.Succeeded) } }));
        Assert.Equal("P/A", error.Path);
        Assert.Contains("dependsOn 'Nope', which does not exist", error.Message);
    }

    [Fact]
    public void DependsOn_an_activity_in_another_scope()
    {
        var error = Single(With(
            new WaitActivity("Outer"),
            new UntilActivity("Loop") { Timeout = "0.00:10:00", Activities = { new WaitActivity("Inner") { DependsOn = { new("Outer", DependencyCondition.Succeeded) } } } }));
        Assert.Equal("P/Loop/Inner", error.Path);
        Assert.Contains("in another scope", error.Message);
    }

    [Fact]
    public void DependsOn_without_conditions()
    {
        var error = Single(With(new WaitActivity("A"), new WaitActivity("B") { DependsOn = { new("A") } }));
        Assert.Contains("lists no dependencyConditions", error.Message);
    }

    [Fact]
    public void Undeclared_parameter_in_an_expression()
    {
        var error = Single(With(new WebActivity("Call") { Url = new Expression("@pipeline().parameters.missing") }));
        Assert.Contains("uses parameter 'missing', which the pipeline does not declare. Declared: url", error.Message);
    }

    [Fact]
    public void Undeclared_variable_in_an_interpolated_literal()
    {
        var error = Single(With(new FailActivity("F") { Message = "failed: @{variables('nope')}", ErrorCode = "E" }));
        Assert.Contains("uses variable 'nope'", error.Message);
    }

    [Fact]
    public void Unknown_activity_in_an_expression()
    {
        var error = Single(With(new SetVariableActivity("S") { VariableName = "status", Value = new Expression("@activity('Ghost').output.status") }));
        Assert.Contains("reads activity 'Ghost', which does not exist", error.Message);
    }

    [Fact]
    public void SetVariable_on_an_undeclared_variable()
    {
        var error = Single(With(new SetVariableActivity("S") { VariableName = "undeclared", Value = "x" }));
        Assert.Contains("Sets variable 'undeclared', which the pipeline does not declare", error.Message);
    }

    [Fact]
    public void SetVariable_that_reads_itself()
    {
        var error = Single(With(new SetVariableActivity("S") { VariableName = "status", Value = new Expression("@concat(variables('status'), 'x')") }));
        Assert.Contains("Data Factory forbids that", error.Message);
    }

    [Fact]
    public void AppendVariable_to_a_non_array()
    {
        var error = Single(With(new AppendVariableActivity("A") { VariableName = "status", Value = "x" }));
        Assert.Contains("which is not an Array", error.Message);
    }

    [Fact]
    public void A_loop_inside_a_loop()
    {
        var error = Single(With(new ForEachActivity("Outer")
        {
            Items = new("@createArray(1)"),
            Activities = { new UntilActivity("Inner") { Timeout = "0.00:10:00" } },
        }));
        Assert.Equal("P/Outer/Inner", error.Path);
        Assert.Contains("A Until cannot be nested in a ForEach ('Outer')", error.Message);
    }

    [Fact]
    public void An_if_inside_an_if()
    {
        var error = Single(With(new IfConditionActivity("Outer") { IfTrueActivities = { new IfConditionActivity("Inner") } }));
        Assert.Contains("A IfCondition cannot be nested in a IfCondition ('Outer')", error.Message);
    }

    [Fact]
    public void An_if_inside_a_loop_is_allowed()
    {
        Assert.Empty(PipelineValidator.Validate(With(new UntilActivity("Loop")
        {
            Timeout = "0.00:10:00",
            Activities = { new IfConditionActivity("If") { IfTrueActivities = { new WaitActivity("W") } } },
        })));
    }

    [Fact]
    public void An_until_without_timeout()
    {
        var error = Single(With(new UntilActivity("Loop")));
        Assert.Contains("has no timeout", error.Message);
    }

    [Fact]
    public void An_until_timeout_that_is_not_a_timespan()
    {
        var error = Single(With(new UntilActivity("Loop") { Timeout = "10 minutes" }));
        Assert.Contains("is not d.hh:mm:ss", error.Message);
    }

    [Fact]
    public void An_activity_name_with_forbidden_characters()
    {
        var error = Single(With(new WaitActivity("a/b")));
        Assert.Contains("cannot contain", error.Message);
    }

    [Fact]
    public void A_switch_inside_an_if_and_an_if_inside_a_switch()
    {
        var switchInIf = Single(With(new IfConditionActivity("Outer") { IfFalseActivities = { new SwitchActivity("Inner") } }));
        Assert.Equal("P/Outer/Inner", switchInIf.Path);
        Assert.Contains("A Switch cannot be nested in a IfCondition ('Outer')", switchInIf.Message);

        var ifInSwitch = Single(With(new SwitchActivity("Outer") { Cases = { new SwitchCase("a") { Activities = { new IfConditionActivity("Inner") } } } }));
        Assert.Contains("A IfCondition cannot be nested in a Switch ('Outer')", ifInSwitch.Message);

        var switchInDefault = Single(With(new SwitchActivity("Outer") { DefaultActivities = { new SwitchActivity("Inner") } }));
        Assert.Contains("A Switch cannot be nested in a Switch ('Outer')", switchInDefault.Message);
    }

    [Fact]
    public void A_loop_inside_a_loop_through_a_switch()
    {
        var error = Single(With(new ForEachActivity("Outer")
        {
            Items = new("@createArray(1)"),
            Activities = { new SwitchActivity("Branch") { Cases = { new SwitchCase("a") { Activities = { new UntilActivity("Inner") { Timeout = "0.00:10:00" } } } } } },
        }));
        Assert.Equal("P/Outer/Branch/Inner", error.Path);
        Assert.Contains("A Until cannot be nested in a ForEach ('Outer')", error.Message);
    }

    [Fact]
    public void A_switch_and_a_filter_inside_a_loop_and_a_loop_inside_a_switch_are_allowed()
    {
        Assert.Empty(PipelineValidator.Validate(With(
            new ForEachActivity("Loop")
            {
                Items = new("@createArray(1)"),
                Activities =
                {
                    new SwitchActivity("Branch") { Cases = { new SwitchCase("a") { Activities = { new WaitActivity("W") } } } },
                    new FilterActivity("Keep") { Items = new("@createArray(1)"), Condition = new("@equals(item(), 1)") },
                },
            },
            new SwitchActivity("Top") { DefaultActivities = { new UntilActivity("Again") { Timeout = "0.00:10:00" } } })));
    }

    [Fact]
    public void A_validation_activity_inside_a_container()
    {
        var error = Single(With(new UntilActivity("Loop") { Timeout = "0.00:10:00", Activities = { new UnknownActivity("Check", "Validation") } }));
        Assert.Contains("A Validation activity cannot be nested in a Until ('Loop')", error.Message);
    }

    [Fact]
    public void Switch_cases_with_the_same_value()
    {
        var error = Single(With(new SwitchActivity("S") { Cases = { new SwitchCase("a"), new SwitchCase("a") } }));
        Assert.Contains("2 cases have the value 'a'", error.Message);
    }

    [Fact]
    public void Switch_and_filter_expressions_are_checked_for_undeclared_names()
    {
        var errors = PipelineValidator.Validate(With(
            new SwitchActivity("S") { On = new("@pipeline().parameters.nope") },
            new FilterActivity("F") { Items = new("@variables('nope')"), Condition = new("@true") }));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Path == "P/S" && e.Message.Contains("parameter 'nope'"));
        Assert.Contains(errors, e => e.Path == "P/F" && e.Message.Contains("variable 'nope'"));
    }

    [Fact]
    public void A_web_activity_with_MSI_authentication_but_no_resource()
    {
        var web = new WebActivity("Call") { Url = "https://example.com", Authentication = new() { ["type"] = "MSI" } };
        Assert.Contains("names no 'resource'", Single(With(web)).Message);

        web.Authentication["resource"] = "https://management.azure.com/";
        Assert.Empty(PipelineValidator.Validate(With(web)));
    }
}
