using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ExclusiveOperations.Status;

/// <summary>
/// The app's status token key: 256 random bits in a blob of the app's own storage account (the lock container), made by
/// the first host that needs it (create-if-absent, so every host of a scaled-out app reads the same key) and cached.
/// Whoever can read that blob can make status tokens, as whoever can read the task hub can read every run's status:
/// the same trust. Deleting the blob revokes every status URL issued so far (a new key is made on the next start).
/// </summary>
public sealed class StatusTokenKey(BlobContainerClient container) : IStatusTokens
{
    /// <summary>Lock blobs are named <c>{escaped key}.json</c>, so this name never meets one.</summary>
    public const string BlobName = "status-token.key";

    private readonly Lock _gate = new();
    private Task<byte[]>? _key;

    public async Task<string> ForAsync(string instanceId, CancellationToken cancellationToken = default) =>
        StatusToken.For(await KeyAsync(cancellationToken), instanceId);

    private Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // A failed load (storage unreachable) is not cached: the next request tries again.
            if (_key is null || _key.IsFaulted || _key.IsCanceled)
                _key = LoadOrCreateAsync(cancellationToken);
            return _key;
        }
    }

    private async Task<byte[]> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(BlobName);
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            try
            {
                await blob.UploadAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(32)),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            }
            catch (RequestFailedException conflict) when (conflict.Status is 409 or 412)
            {
                // Another host made it first: use theirs.
            }
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
    }
}
