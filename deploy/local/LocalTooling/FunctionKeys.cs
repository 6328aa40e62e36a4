using System.Security.Cryptography;

namespace LocalTooling;

/// <summary>
/// The keys a Function App checks, as the local host checks them: the function key of the starter
/// (<c>x-functions-key</c> header or <c>code</c> query) and the Durable extension's system key, which the
/// status URLs carry in their own <c>code</c> (so a poller sends no key of its own).
/// Keys belong to the app, not to one process: every host of one app (scale-out) gets the same keys.
/// </summary>
public sealed record FunctionKeys(string FunctionKey, string SystemKey)
{
    /// <summary>Random keys, as Azure creates them (URL-safe, 32 bytes of entropy).</summary>
    public static FunctionKeys Generate() => new(NewKey(), NewKey());

    private static string NewKey() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
