using ExclusiveOperations.Locking;
using ExclusiveOperations.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace ExclusiveOperations.Orchestration;

/// <param name="LockKey">The key to lock.</param>
/// <param name="HolderId">The orchestration instance asking.</param>
/// <param name="Operation">What it will run (recorded in the lock for refused callers to see).</param>
/// <param name="ExpectedDuration">How long it expects to hold the lock.</param>
/// <param name="Lifetime">How long the lock lives without renewal (from the orchestration's input).</param>
/// <param name="CallerId">The caller behind the orchestration (stable across attempts), for the lock's wait list.</param>
/// <param name="TraceParent">The run's trace context (from its input): the lock's spans join its trace.</param>
public sealed record LockActivityInput(string LockKey, string HolderId, string Operation, TimeSpan ExpectedDuration, TimeSpan Lifetime, string? CallerId = null,
    string? TraceParent = null);

/// <summary>Tries once to take the lock; never waits (a refused run ends with Conflict).</summary>
public sealed class TryAcquireLockActivity(StorageLock locks) : TaskActivity<LockActivityInput, LockAttempt>
{
    public override async Task<LockAttempt> RunAsync(TaskActivityContext context, LockActivityInput input)
    {
        using var span = LockSpans.Start("lock acquire", input.LockKey, input.HolderId, input.TraceParent);
        span?.SetTag(AppTelemetry.Caller, input.CallerId);
        var attempt = await locks.TryAcquireAsync(input.LockKey, input.HolderId, input.Operation, input.ExpectedDuration, input.CallerId, input.Lifetime);
        if (!attempt.Acquired)
            AppTelemetry.Conflicts.Add(1);
        if (span is not null)
        {
            span.SetTag(AppTelemetry.Outcome, attempt.Acquired ? "acquired" : "conflict");
            // Acquired: this run's generation (its fencing token); refused: the holder's, and who it is.
            span.SetTag(AppTelemetry.Generation, attempt.Holder?.Generation);
            if (!attempt.Acquired)
            {
                span.SetTag(AppTelemetry.Holder, attempt.Holder?.HolderId);
                span.SetTag(AppTelemetry.RetryAfter, attempt.RetryAfterSeconds);
            }
        }
        return attempt;
    }
}

/// <summary>Extends the holder's lock by one lifetime through the fence; false when it was lost (taken over by a newer generation).</summary>
public sealed class RenewLockActivity(StorageLock locks) : TaskActivity<LockFence, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, LockFence fence)
    {
        try
        {
            await locks.FenceAsync(fence);
            return true;
        }
        catch (LockLostException)
        {
            return false;
        }
    }
}

/// <summary>
/// Frees the lock if the caller holds it, handing it to the first eligible queued run, and tells that run at once when the
/// host can (<see cref="ILockHandover"/>); otherwise the releasing orchestration tells it.
/// </summary>
public sealed class ReleaseLockActivity(StorageLock locks, ILockHandover handover, ILogger<ReleaseLockActivity> logger)
    : TaskActivity<LockActivityInput, LockRelease>
{
    public override Task<LockRelease> RunAsync(TaskActivityContext context, LockActivityInput input) => ReleaseAsync(input, handover);

    /// <summary>Releases, then tells the next holder through <paramref name="tell"/> (the Functions host passes its Durable client).</summary>
    public async Task<LockRelease> ReleaseAsync(LockActivityInput input, ILockHandover tell, CancellationToken cancellationToken = default)
    {
        using var span = LockSpans.Start("lock release", input.LockKey, input.HolderId, input.TraceParent);
        var release = await locks.ReleaseAsync(input.LockKey, input.HolderId, cancellationToken);
        span?.SetTag(AppTelemetry.Outcome, release.Outcome.ToString());
        span?.SetTag(AppTelemetry.HandedTo, release.HandedTo?.HolderId);
        span?.SetTag(AppTelemetry.Holder, release.CurrentHolder?.HolderId);
        if (release.HandedTo is not { } next)
            return release;
        try
        {
            // A repeated release (the activity delivered again) tells again: the next run waits for one event and ignores more.
            var sent = await tell.TellAsync(next, cancellationToken);
            span?.SetTag(AppTelemetry.HandoverSent, sent);
            return release with { HandoverSent = sent };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lock is handed over either way; the orchestration sends the event instead.
            logger.LogWarning(e, "Could not tell run {Next} that it holds the lock for key {LockKey}; the releasing orchestration will.", next.HolderId, input.LockKey);
            return release;
        }
    }
}

/// <param name="LockKey">The key to lock.</param>
/// <param name="HolderId">The queued orchestration instance.</param>
/// <param name="Operation">What it will run.</param>
/// <param name="ExpectedDuration">How long it expects to hold the lock.</param>
/// <param name="Lifetime">How long its lock lives without renewal (from the orchestration's input).</param>
/// <param name="StartedAt">When the run started (counts as its caller's first poll).</param>
/// <param name="Deadline">When its queueTimeout runs out.</param>
/// <param name="TraceParent">The run's trace context (from its input).</param>
public sealed record QueueActivityInput(
    string LockKey, string HolderId, string Operation, TimeSpan ExpectedDuration, TimeSpan Lifetime, DateTimeOffset StartedAt, DateTimeOffset Deadline,
    string? TraceParent = null);

/// <summary>Queue mode: takes a free lock nobody is queued for, else joins the line (once per run).</summary>
public sealed class JoinQueueActivity(StorageLock locks) : TaskActivity<QueueActivityInput, QueueTurn>
{
    public override async Task<QueueTurn> RunAsync(TaskActivityContext context, QueueActivityInput input)
    {
        using var span = LockSpans.Start("lock join", input.LockKey, input.HolderId, input.TraceParent);
        var turn = await locks.JoinQueueAsync(input.LockKey, input.HolderId, input.Operation, input.ExpectedDuration, input.Lifetime, input.StartedAt, input.Deadline);
        LockSpans.Turn(span, turn);
        if (turn.Position is { } position)
            AppTelemetry.QueueLength.Record(position);
        return turn;
    }
}

/// <summary>Queue mode, when no handover came in time: holds it, takes over a dead holder's lock, or leaves the line.</summary>
public sealed class CheckTurnActivity(StorageLock locks) : TaskActivity<QueueActivityInput, QueueTurn>
{
    public override async Task<QueueTurn> RunAsync(TaskActivityContext context, QueueActivityInput input)
    {
        using var span = LockSpans.Start("lock check turn", input.LockKey, input.HolderId, input.TraceParent);
        var turn = await locks.CheckTurnAsync(input.LockKey, input.HolderId, input.Operation, input.ExpectedDuration, input.Lifetime, input.Deadline);
        LockSpans.Turn(span, turn);
        return turn;
    }
}
