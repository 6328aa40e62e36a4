namespace DataFactory.Runner.Expressions;

/// <summary>An expression that cannot be parsed or evaluated; <see cref="Column"/> is 1-based in the expression text.</summary>
public sealed class ExpressionException(string message, string expression, int column)
    : Exception($"{message} (column {column} of '{expression}')")
{
    public string Expression => expression;
    public int Column => column;
    public string Reason => message;
}
