using System.Net.Security;
using System.Security.Cryptography;
using Azure.Core.Pipeline;
using Azure.ResourceManager;

namespace Smoke;

/// <summary>
/// An ARM endpoint that is not Azure's (e.g. a local stand-in): its address, a fixed bearer token in place of Entra ID,
/// and the SHA-256 hash of the one certificate it may present besides certificates the system trusts.
/// </summary>
public sealed record PinnedArmEndpoint(Uri Address, string Token, string CertificateSha256)
{
    public ArmClient CreateClient(string subscriptionId)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate?.GetCertHashString(HashAlgorithmName.SHA256) == CertificateSha256,
        };
        var options = new ArmClientOptions
        {
            Environment = new ArmEnvironment(Address, ArmEnvironment.AzurePublicCloud.Audience),
            Transport = new HttpClientTransport(handler),
        };
        return new ArmClient(new StaticTokenCredential(Token), subscriptionId, options);
    }
}
