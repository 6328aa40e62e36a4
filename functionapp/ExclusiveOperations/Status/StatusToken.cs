using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ExclusiveOperations.Status;

/// <summary>
/// The credential a run's status URL carries, as Azure's own status URLs carry a key: a poller (a Data Factory Web
/// activity) sends no headers. One per instance, so a status URL opens that run only, and never the caller's function key.
/// </summary>
public static class StatusToken
{
    /// <summary>The query parameter of the status URL that carries the token.</summary>
    public const string QueryParameter = "token";

    /// <summary>256 random bits, base64url (43 characters, safe in a URL without escaping).</summary>
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Constant-time comparison, so the time of a refusal tells nothing about how much of a guess was right.</summary>
    public static bool Matches(string? presented, string? expected) =>
        !string.IsNullOrEmpty(presented) && !string.IsNullOrEmpty(expected) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
