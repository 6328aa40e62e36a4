namespace LocalTooling;

/// <summary>
/// The bearer token the local host's ARM-shaped routes accept (LocalDataFactory): the local stand-in for the token of
/// the factory's managed identity, made per run by whoever starts the host and given to it through the environment.
/// </summary>
public static class ManagementToken
{
    /// <summary>The host setting that holds the token.</summary>
    public const string Setting = "LocalHost:ManagementToken";

    /// <summary>A new token (random per run, as a managed identity's token would be).</summary>
    public static string New() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The host setting that makes it accept <paramref name="token"/> (a secret: pass it as the launcher's secretSettings).</summary>
    public static IReadOnlyDictionary<string, string> Settings(string token) => new Dictionary<string, string> { [Setting] = token };
}
