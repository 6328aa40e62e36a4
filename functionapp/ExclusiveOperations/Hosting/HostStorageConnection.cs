using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace ExclusiveOperations.Hosting;

/// <summary>
/// The app's storage account as the Functions host reads it from <c>AzureWebJobsStorage</c>: a connection string
/// (Azurite locally), or identity-based (no key): <c>AzureWebJobsStorage__blobServiceUri</c> or
/// <c>AzureWebJobsStorage__accountName</c>, with <c>__credential=managedidentity</c> (and <c>__clientId</c> for a
/// user-assigned identity) for a managed identity, else the default credential chain (a developer's login).
/// https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
/// https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
/// </summary>
public sealed record HostStorageConnection
{
    public const string Setting = "AzureWebJobsStorage";

    /// <summary>The connection string, when storage is key- or emulator-based.</summary>
    public string? ConnectionString { get; private init; }

    /// <summary>The blob endpoint, when storage is identity-based.</summary>
    public Uri? BlobServiceUri { get; private init; }

    /// <summary>The identity the blob client authenticates with, when storage is identity-based.</summary>
    public TokenCredential? Credential { get; private init; }

    /// <summary>The user-assigned identity's client id (<c>__clientId</c>), if one is configured.</summary>
    public string? ManagedIdentityClientId { get; private init; }

    public BlobServiceClient CreateBlobServiceClient() =>
        ConnectionString is not null ? new BlobServiceClient(ConnectionString) : new BlobServiceClient(BlobServiceUri, Credential);

    public static HostStorageConnection From(IConfiguration configuration)
    {
        string? Value(string key) => configuration[$"{Setting}:{key}"] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        if (configuration[Setting] is { } connectionString && !string.IsNullOrWhiteSpace(connectionString))
            return new HostStorageConnection { ConnectionString = connectionString };

        var serviceUri = Value("blobServiceUri");
        var accountName = Value("accountName");
        if (serviceUri is null && accountName is null)
            throw new InvalidOperationException(
                $"No storage is configured: set '{Setting}' to a connection string (UseDevelopmentStorage=true for Azurite), " +
                $"or, for identity-based access, '{Setting}__blobServiceUri' (https://ACCOUNT.blob.core.windows.net) or '{Setting}__accountName' " +
                $"(with '{Setting}__credential=managedidentity', and '{Setting}__clientId' for a user-assigned identity).");

        Uri uri;
        if (serviceUri is not null)
        {
            if (!Uri.TryCreate(serviceUri, UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttps)
                throw new InvalidOperationException($"'{Setting}__blobServiceUri' is '{serviceUri}'; it must be the account's https blob endpoint, e.g. https://ACCOUNT.blob.core.windows.net.");
            uri = parsed;
        }
        else if (accountName!.Length is >= 3 and <= 24 && accountName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            uri = new Uri($"https://{accountName}.blob.core.windows.net");
        else
            throw new InvalidOperationException($"'{Setting}__accountName' is '{accountName}'; a storage account name is 3-24 lowercase letters and digits.");

        var credential = Value("credential");
        var clientId = Value("clientId");
        if (credential is null)
        {
            if (clientId is not null)
                throw new InvalidOperationException($"'{Setting}__clientId' is set but '{Setting}__credential' is not; set '{Setting}__credential=managedidentity' to use the user-assigned identity.");
            return new HostStorageConnection { BlobServiceUri = uri, Credential = new DefaultAzureCredential() };
        }
        if (!credential.Equals("managedidentity", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"'{Setting}__credential' is '{credential}'; the only value is 'managedidentity' (or leave it unset for the default credential chain).");
        return new HostStorageConnection
        {
            BlobServiceUri = uri,
            Credential = clientId is null
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)),
            ManagedIdentityClientId = clientId,
        };
    }
}
