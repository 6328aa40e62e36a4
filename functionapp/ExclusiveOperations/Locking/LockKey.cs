namespace ExclusiveOperations.Locking;

/// <summary>Rules for lock keys: what callers may send, and how a key maps to its lock blob.</summary>
public static class LockKey
{
    public const int MaxLength = 256;
    private const int MaxBlobNameLength = 1024;

    /// <summary>Null when the key is acceptable, else what is wrong with it.</summary>
    public static string? Problem(string? key)
    {
        if (key is null) return "the lock key is missing";
        if (key.Length == 0 || string.IsNullOrWhiteSpace(key)) return "the lock key is empty";
        if (key.Length > MaxLength) return $"the lock key is {key.Length} characters long; at most {MaxLength} are allowed";
        if (key.Any(char.IsControl)) return "the lock key contains control characters";
        if (BlobName(key).Length > MaxBlobNameLength) return "the lock key is too long once URL-encoded (use fewer non-ASCII characters)";
        return null;
    }

    public static void Validate(string key)
    {
        if (Problem(key) is { } problem)
            throw new ArgumentException($"Invalid lock key: {problem}.", nameof(key));
    }

    /// <summary>
    /// A key derived from the data an operation works on: <c>{kind}:{container}/{name}</c>, or with the name's SHA-256
    /// when that would be longer than a key may be (the same data always gives the same key).
    /// </summary>
    public static string Derived(string kind, string container, string name)
    {
        var key = $"{kind}:{container}/{name}";
        if (Problem(key) is null)
            return key;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));
        return $"{kind}:{container}/sha256:{hash}";
    }

    /// <summary>Escaped so that any accepted key is one flat, valid blob name.</summary>
    public static string BlobName(string key) => Uri.EscapeDataString(key) + ".json";
}
