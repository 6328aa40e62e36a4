using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Hosting;

/// <summary>
/// The app's host.json, as far as the lock needs it: the Durable Task Azure Storage provider's
/// <c>maxQueuePollingInterval</c>, so the lock derives its timings from the polling the host really does, set in one place.
/// </summary>
public static class HostJson
{
    public const string FileName = "host.json";

    /// <summary>Azure's default when host.json does not set it (learn.microsoft.com, durable-functions-host-json-settings).</summary>
    public static readonly TimeSpan DefaultMaxQueuePollingInterval = TimeSpan.FromSeconds(30);

    /// <summary>host.json's <c>extensions.durableTask.storageProvider.maxQueuePollingInterval</c>, Azure's default when it
    /// sets none; null when there is no file at <paramref name="path"/>.</summary>
    public static TimeSpan? MaxQueuePollingInterval(string path)
    {
        if (!File.Exists(path))
            return null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {e.Message}", e);
        }
        var value = root?["extensions"]?["durableTask"]?["storageProvider"]?["maxQueuePollingInterval"];
        if (value is null)
            return DefaultMaxQueuePollingInterval;
        if (value.GetValueKind() == JsonValueKind.String
            && TimeSpan.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
            return interval;
        throw new InvalidOperationException(
            $"{path}: extensions.durableTask.storageProvider.maxQueuePollingInterval must be a positive time span such as \"00:00:02\" (was {value.ToJsonString()}).");
    }

    /// <summary>The lock's <c>MaxQueuePollingInterval</c> from the host.json at <paramref name="path"/>, as configuration
    /// defaults (empty without the file).</summary>
    public static IReadOnlyDictionary<string, string?> LockDefaults(string path) =>
        MaxQueuePollingInterval(path) is { } interval
            ? new Dictionary<string, string?> { [$"{LockOptions.Section}:{nameof(LockOptions.MaxQueuePollingInterval)}"] = interval.ToString("c", CultureInfo.InvariantCulture) }
            : new Dictionary<string, string?>();
}
