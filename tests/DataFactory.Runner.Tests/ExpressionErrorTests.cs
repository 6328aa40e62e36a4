using DataFactory.Runner.Expressions;

namespace DataFactory.Runner.Tests;

public sealed class ExpressionErrorTests
{
    private static readonly EvalContext Context = EvalContext.From(["n=5", "obj={\"a\":1}"]);

    private static ExpressionException Error(string expression) =>
        Assert.Throws<ExpressionException>(() => EvalContext.Evaluate(expression, Context));

    [Theory]
    // column is 1-based in the whole string, '@' included
    [InlineData("@concat('a', 'b'", 17, "Missing ')' to close concat(")]
    [InlineData("@concat('a' 'b')", 13, "Expected ',' or ')'")]
    [InlineData("@'unterminated", 2, "The string is not closed")]
    [InlineData("@add(1, 2))", 11, "Unexpected ')' after the end")]
    [InlineData("@pipeline().", 13, "Expected a property name after '.'")]
    [InlineData("@pipeline", 2, "'pipeline' is not a function call")]
    [InlineData("@", 2, "ends where a value was expected")]
    [InlineData("@add(1, #)", 9, "Unexpected '#'")]
    [InlineData("@createArray(1)[0", 18, "Missing ']'")]
    [InlineData("text @{add(1, }", 15, "ends where a value was expected")]
    [InlineData("text @{add(1, 2)", 6, "'@{' is not closed")]
    public void Parse_errors_point_at_the_right_column(string expression, int column, string message)
    {
        var error = Error(expression);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Reason);
    }

    [Theory]
    [InlineData("@add(1, 'a')", 2, "add() argument 2 must be a number")]
    [InlineData("@nosuch(1)", 2, "'nosuch' is not a function")]
    [InlineData("@div(1, 0)", 2, "cannot divide by zero")]
    [InlineData("@pipeline().parameters.obj.missing", 27, "has no property 'missing'")]
    [InlineData("@pipeline().parameters.n.x", 25, "Cannot read property 'x' of integer 5")]
    [InlineData("@concat('x', pipeline().parameters.none.y)", 35, "has no property 'none'")]
    [InlineData("@variables('v')", 2, "variables() is not available in eval")]
    [InlineData("@int('3.5')", 2, "int() cannot convert")]
    [InlineData("@json('{')", 2, "json() got text that is not JSON")]
    [InlineData("@substring('abc', 2, 5)", 2, "outside the string")]
    [InlineData("@equals(1)", 2, "equals() takes 2 argument(s), not 1")]
    [InlineData("@formatDateTime('not a date')", 2, "is not a timestamp")]
    [InlineData("@not('yes')", 2, "not() argument 1 must be a boolean")]
    public void Evaluation_errors_say_what_and_where(string expression, int column, string message)
    {
        var error = Error(expression);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Reason);
    }
}
