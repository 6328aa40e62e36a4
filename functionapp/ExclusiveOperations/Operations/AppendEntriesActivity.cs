using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ExclusiveOperations.Locking;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace ExclusiveOperations.Operations;

/// <summary>One line of the shared blob <c>append</c> writes.</summary>
public sealed record AppendEntry(string InstanceId, long Generation, int Entry, DateTimeOffset WrittenAt);

/// <summary>
/// Appends the entries of an <see cref="AppendRequest"/>, one every interval, in one long activity: it keeps the lock
/// alive itself (<see cref="LockKeeper"/>) and makes every append conditional on the fence
/// (<see cref="FencedBlobWrites"/>). A retried activity (a lost worker) continues after the entries already written.
/// </summary>
public sealed class AppendEntriesActivity(BlobServiceClient blobs, StorageLock locks, TimeProvider time, ILogger<AppendEntriesActivity> logger)
    : TaskActivity<AppendRequest, int>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override async Task<int> RunAsync(TaskActivityContext context, AppendRequest request)
    {
        var container = blobs.GetBlobContainerClient(request.Container);
        var blob = container.GetAppendBlobClient(request.Blob);
        await using var keeper = LockKeeper.Start(locks, request.Fence, time, logger);
        var written = await CountMineAsync(blob, request);
        for (var entry = written + 1; entry <= request.Entries; entry++)
        {
            if (entry > 1)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(request.IntervalSeconds), time, keeper.Lost);
                }
                catch (OperationCanceledException)
                {
                    await locks.FenceAsync(request.Fence); // the keeper found the lock lost: this throws, naming the new holder
                    throw;
                }
            }
            await AppendAsync(blob, request, new AppendEntry(request.InstanceId, request.Fence.Generation, entry, time.GetUtcNow()));
        }
        return request.Entries;
    }

    private async Task AppendAsync(AppendBlobClient blob, AppendRequest request, AppendEntry entry)
    {
        var line = BinaryData.FromString(JsonSerializer.Serialize(entry, Json) + "\n");
        for (var attempt = 1; ; attempt++)
        {
            var etag = await FencedBlobWrites.PrepareAsync(locks, blob, request.Fence, CancellationToken.None);
            try
            {
                if (etag is null)
                {
                    await blob.CreateAsync(new AppendBlobCreateOptions
                    {
                        Metadata = FencedBlobWrites.Stamp(request.Fence),
                        Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All },
                    });
                    continue;
                }
                await blob.AppendBlockAsync(line.ToStream(), new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfMatch = etag } });
                return;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
            {
                // Another writer changed the blob since the fence check: check again (a newer generation refuses us).
                if (attempt >= FencedBlobWrites.MaxAttempts)
                    throw FencedBlobWrites.Contended(blob, e);
            }
        }
    }

    /// <summary>How many of this instance's entries a previous try of the activity already wrote.</summary>
    private static async Task<int> CountMineAsync(AppendBlobClient blob, AppendRequest request)
    {
        try
        {
            var content = (await blob.DownloadContentAsync()).Value.Content.ToString();
            return content.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<AppendEntry>(line, Json)!)
                .Count(e => e.InstanceId == request.InstanceId && e.Generation == request.Fence.Generation);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return 0;
        }
    }
}
