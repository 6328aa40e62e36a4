using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LocalTooling;

namespace LocalFunctionHost;

/// <summary>
/// Checks keys the way the Functions host does, so a pipeline that forgets the key fails here as in Azure:
/// the starter (an <c>AuthorizationLevel.Function</c> trigger) takes the function key from the
/// <c>x-functions-key</c> header or the <c>code</c> query parameter; the Durable status URLs take the
/// extension's system key from <c>code</c>. A missing or wrong key answers 401 with no body, like Azure.
/// </summary>
public sealed class KeyCheck(FunctionKeys keys)
{
    public FunctionKeys Keys { get; } = keys;

    public bool AllowsStarter(HttpRequest request) =>
        Matches(request.Headers[DurableHttpClient.FunctionKeyHeader].FirstOrDefault() ?? request.Query["code"].FirstOrDefault(), Keys.FunctionKey);

    public bool AllowsStatus(HttpRequest request) => Matches(request.Query["code"].FirstOrDefault(), Keys.SystemKey);

    private static bool Matches(string? presented, string expected) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    /// <summary>
    /// The configured keys; or new random ones written to an owner-only file (never printed: keys are secrets,
    /// and logs are collected). Both keys must be configured together.
    /// </summary>
    public static FunctionKeys Resolve(LocalHostOptions options)
    {
        if (!string.IsNullOrEmpty(options.FunctionKey) && !string.IsNullOrEmpty(options.SystemKey))
            return new FunctionKeys(options.FunctionKey, options.SystemKey);
        if (!string.IsNullOrEmpty(options.FunctionKey) || !string.IsNullOrEmpty(options.SystemKey))
            throw new InvalidOperationException(
                $"Only one of {LocalHostOptions.Section}:FunctionKey and {LocalHostOptions.Section}:SystemKey is set. Set both, or neither (random keys are then written to {options.KeysFile}).");

        var keys = FunctionKeys.Generate();
        var path = Path.GetFullPath(options.KeysFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(new { functionKey = keys.FunctionKey, systemKey = keys.SystemKey }));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return keys;
    }
}
