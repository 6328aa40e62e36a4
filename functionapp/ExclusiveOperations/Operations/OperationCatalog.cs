namespace ExclusiveOperations.Operations;

/// <summary>The registered operations by name (case-sensitive, as in the route).</summary>
public sealed class OperationCatalog
{
    private readonly Dictionary<string, IExclusiveOperation> _byName;

    public OperationCatalog(IEnumerable<IExclusiveOperation> operations)
    {
        _byName = new Dictionary<string, IExclusiveOperation>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (!OperationName.IsValid(operation.Name))
                throw new InvalidOperationException($"Operation {operation.GetType().Name} has an invalid name '{operation.Name}': use 1-64 of [A-Za-z0-9_-].");
            if (!_byName.TryAdd(operation.Name, operation))
                throw new InvalidOperationException($"Two operations are registered as '{operation.Name}': {_byName[operation.Name].GetType().Name} and {operation.GetType().Name}.");
        }
    }

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public IExclusiveOperation? Find(string name) => _byName.GetValueOrDefault(name);

    public IExclusiveOperation Get(string name) =>
        Find(name) ?? throw new InvalidOperationException($"No operation is registered as '{name}'. Registered: {string.Join(", ", Names)}.");
}
