using System.Text.Json.Serialization;

namespace ExclusiveOperations.Locking;

/// <summary>
/// How long a lock lives and how often its holder renews it, derived in this one place from the host's real
/// timings. A renewal is requested from a durable timer (between steps) or from inside a long activity; on the
/// Durable Task Azure Storage backend an idle worker polls its queues only every <c>maxQueuePollingInterval</c>
/// (host.json <c>extensions.durableTask.storageProvider.maxQueuePollingInterval</c>, 30 s by default: learn.microsoft.com,
/// durable-functions-host-json-settings), so the timer's message and then the renew activity's message can each
/// wait up to one polling interval before a worker sees them; and when the orchestration's control-queue partition moves
/// to another worker (a scale-out, a restart, two hosts sharing a task hub), its messages wait until the new owner
/// holds the partition's lease: up to one partition lease interval (the Durable Task Framework's LeaseInterval, 30 s by
/// default). The lifetime is chosen so that a holder is renewed several times within it even when every renewal is
/// that late.
/// Travels in the orchestration's input, so changing the settings never changes a running orchestration's replay.
/// </summary>
/// <param name="Lifetime">How long a lock outlives its holder's last renewal.</param>
/// <param name="RenewEvery">How often the holder asks for a renewal.</param>
public sealed record LockTimings(
    [property: JsonPropertyName("lifetime")] TimeSpan Lifetime,
    [property: JsonPropertyName("renewEvery")] TimeSpan RenewEvery)
{
    /// <summary>How many renewals fit into one lifetime even when each is as late as it can be.</summary>
    public const int RenewalsPerLifetime = 3;

    /// <summary>Time for the work itself once a message is seen (replay, one storage round trip, a loaded worker).</summary>
    public static readonly TimeSpan ProcessingAllowance = TimeSpan.FromSeconds(2);

    /// <summary>The shortest renewal period: shorter would only add storage writes.</summary>
    public static readonly TimeSpan MinRenewEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The latest a requested renewal lands: two queue polls (the timer's message, then the renew activity's),
    /// a partition handover to another worker, and the processing allowance.
    /// </summary>
    public static TimeSpan RenewalLatency(TimeSpan maxQueuePollingInterval, TimeSpan partitionLeaseInterval) =>
        2 * maxQueuePollingInterval + partitionLeaseInterval + ProcessingAllowance;

    /// <summary>
    /// Derived: renew every max(polling interval, 5 s); live <see cref="RenewalsPerLifetime"/> worst-case renewal
    /// gaps (period + latency). Azure's defaults (30 s polling, 30 s partition leases): renew every 30 s, lifetime 366 s.
    /// An explicit <paramref name="lifetime"/> is renewed four times per lifetime and must survive one late renewal.
    /// </summary>
    public static LockTimings For(TimeSpan maxQueuePollingInterval, TimeSpan partitionLeaseInterval, TimeSpan? lifetime = null)
    {
        var latency = RenewalLatency(maxQueuePollingInterval, partitionLeaseInterval);
        if (lifetime is { } explicitLifetime)
            return new LockTimings(explicitLifetime, explicitLifetime / 4);
        var renewEvery = maxQueuePollingInterval > MinRenewEvery ? maxQueuePollingInterval : MinRenewEvery;
        return new LockTimings(RenewalsPerLifetime * (renewEvery + latency), renewEvery);
    }

    /// <summary>Null when a holder renewing every <see cref="RenewEvery"/> keeps the lock at these host timings, else why not.</summary>
    public string? Problem(TimeSpan maxQueuePollingInterval, TimeSpan partitionLeaseInterval)
    {
        var latency = RenewalLatency(maxQueuePollingInterval, partitionLeaseInterval);
        if (RenewEvery + latency > Lifetime)
        {
            return $"a lock that lives {Lifetime.TotalSeconds:0.###} s expires before a renewal requested every {RenewEvery.TotalSeconds:0.###} s " +
                $"can land (up to {latency.TotalSeconds:0.###} s late at a max queue polling interval of {maxQueuePollingInterval.TotalSeconds:0.###} s " +
                $"and a partition lease interval of {partitionLeaseInterval.TotalSeconds:0.###} s); " +
                $"use a TimeToLive of at least {Math.Ceiling(4 * latency.TotalSeconds / 3)} s or leave it unset to derive it";
        }
        return null;
    }
}
