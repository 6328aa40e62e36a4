using System.Text.Json.Nodes;
using DataFactory.Runner.Expressions;

namespace DataFactory.Runner.Tests;

/// <summary>
/// and/or/if (and coalesce) evaluate only the arguments that decide the result. Cases ported from
/// microsoft/data-factory-testing-framework tests/unit/functions/test_expression_evaluator.py
/// (test_boolean_operators_short_circuit, test_conditional_expression_with_branching), whose expected values
/// come from Microsoft's own expression evaluator; "error" means parameter b is undeclared and gets read.
/// </summary>
public sealed class ShortCircuitTests
{
    private static JsonNode? Eval(string expression, params string[] parameters) =>
        EvalContext.Evaluate(expression, EvalContext.From(parameters));

    [Theory]
    [InlineData("or", "aval", "bval", false, "true")] // or_true_with_left_parameter_short_circuit
    [InlineData("or", "OTHER", "bval", false, "error")] // or_false_with_right_parameter_exception
    [InlineData("or", "OTHER", "bval", true, "true")] // or_true_with_right_parameter
    [InlineData("or", "OTHER", "OTHER", false, "error")] // or_false_with_both_parameters_right_exception
    [InlineData("or", "OTHER", "OTHER", true, "false")] // or_false_with_both_parameters
    [InlineData("and", "aval", "bval", false, "error")] // and_false_with_right_parameter_exception
    [InlineData("and", "OTHER", "bval", false, "false")] // and_false_with_left_parameter_short_circuit
    [InlineData("and", "OTHER", "bval", true, "false")] // and_false_with_right_parameter
    public void And_and_or_stop_at_the_deciding_argument(string function, string left, string right, bool declareB, string expected)
    {
        var parameters = declareB ? new[] { "a=aval", "b=bval" } : ["a=aval"];
        var expression = $"@{function}(equals(pipeline().parameters.a,'{left}'),equals(pipeline().parameters.b,'{right}'))";
        if (expected == "error")
        {
            var error = Assert.Throws<ExpressionException>(() => Eval(expression, parameters));
            Assert.Contains("no property 'b'", error.Reason);
        }
        else
        {
            Assert.Equal(bool.Parse(expected), Eval(expression, parameters)!.GetValue<bool>());
        }
    }

    [Theory]
    [InlineData("@if(equals(pipeline().parameters.a, 'MATCH'), 'LEFT_BRANCH', 'RIGHT_BRANCH')", "LEFT_BRANCH")] // if_true
    [InlineData("@if(equals(pipeline().parameters.a, 'NO_MATCH'), 'LEFT_BRANCH', 'RIGHT_BRANCH')", "RIGHT_BRANCH")] // if_false
    [InlineData("@if(equals('MATCH', 'MATCH'), 'LEFT_BRANCH', pipeline().parameters.b)", "LEFT_BRANCH")] // if_true_right_no_parameter
    [InlineData("@if(equals('MATCH', 'MATCH'), pipeline().parameters.b, 'RIGHT_BRANCH')", null)] // if_false_left_no_parameter
    public void If_evaluates_only_the_chosen_branch(string expression, string? expected)
    {
        if (expected is null)
            Assert.Contains("no property 'b'", Assert.Throws<ExpressionException>(() => Eval(expression, "a=MATCH")).Reason);
        else
            Assert.Equal(expected, Eval(expression, "a=MATCH")!.GetValue<string>());
    }

    [Fact]
    public void Or_guards_a_timestamp_function_against_an_empty_value()
    {
        // The shape of the peer's issue 66 (a real pipeline): addSeconds('') would fail, but or() never gets there.
        var expression = "@or(equals(pipeline().parameters.x, ''), greater(ticks(addSeconds(pipeline().parameters.x, -1)), 0))";

        Assert.True(Eval(expression, "x=")!.GetValue<bool>());
        Assert.True(Eval(expression, "x=2026-01-01T00:00:00Z")!.GetValue<bool>());
    }

    [Fact]
    public void Coalesce_stops_at_the_first_non_null_argument()
    {
        Assert.Equal("first", Eval("@coalesce(null, 'first', pipeline().parameters.undeclared)")!.GetValue<string>());
        Assert.Throws<ExpressionException>(() => Eval("@coalesce(null, pipeline().parameters.undeclared)"));
    }

    [Theory]
    [InlineData("@and(true, 'yes')", "and() argument 2 must be a boolean")]
    [InlineData("@or(false, 1)", "or() argument 2 must be a boolean")]
    [InlineData("@if('true', 1, 2)", "if() argument 1 must be a boolean")]
    [InlineData("@and(true)", "and() needs at least 2 arguments")]
    [InlineData("@if(true, 1)", "if() takes 3 argument(s)")]
    public void Arguments_that_are_evaluated_are_still_type_checked(string expression, string message) =>
        Assert.Contains(message, Assert.Throws<ExpressionException>(() => Eval(expression)).Reason);
}
