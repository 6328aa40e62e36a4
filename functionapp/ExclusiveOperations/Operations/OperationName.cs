using System.Text.RegularExpressions;

namespace ExclusiveOperations.Operations;

public static partial class OperationName
{
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex Pattern();
}
