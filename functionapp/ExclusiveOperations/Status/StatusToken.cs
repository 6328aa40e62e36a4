using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ExclusiveOperations.Status;

/// <summary>
/// The credential a run's status URL carries, as Azure's own status URLs carry a key: a poller (a Data Factory Web
/// activity) sends no headers. One per instance, so a status URL opens that run only; never the caller's function key.
/// </summary>
public static class StatusToken
{
    /// <summary>The query parameter of the status URL that carries the token.</summary>
    public const string QueryParameter = "token";

    /// <summary>
    /// HMAC-SHA256 of the instance id under the app's key, base64url (43 characters, safe in a URL): 256 bits nobody
    /// without the key can compute, and the same for every start of one instance, so concurrent repeated POSTs of one
    /// request all answer the same URL without agreeing through storage first.
    /// </summary>
    public static string For(ReadOnlySpan<byte> key, string instanceId) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(instanceId)));

    /// <summary>Constant-time comparison, so the time of a refusal tells nothing about how much of a guess was right.</summary>
    public static bool Matches(string? presented, string expected) =>
        !string.IsNullOrEmpty(presented) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}

/// <summary>Issues the status token of an instance.</summary>
public interface IStatusTokens
{
    Task<string> ForAsync(string instanceId, CancellationToken cancellationToken = default);
}
