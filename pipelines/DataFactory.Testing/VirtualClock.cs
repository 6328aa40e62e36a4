namespace DataFactory.Testing;

/// <summary>
/// The clock a pipeline test runs on: it stands still while the run has work, and a run that only waits jumps to the
/// next timer (a Wait's end, a retry interval, a poll, a timeout), so hours of a pipeline take milliseconds.
/// Timers fire on the thread that moves the clock.
/// </summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private DateTimeOffset _now = start;
    private long _created;

    /// <summary>2026-01-01T00:00:00Z: the default start of a test's clock.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public VirtualClock()
        : this(DefaultStart)
    {
    }

    public DateTimeOffset Start { get; } = start;

    /// <summary>How far the clock has moved from <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => GetUtcNow() - Start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing the timers that fall due on the way, each at its own time.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = GetUtcNow() + by;
        while (FireNext(target))
        {
        }
        lock (_gate)
            _now = target;
    }

    /// <summary>Moves the clock to the earliest timer and fires it (and any due at the same instant); false when none is set.</summary>
    internal bool AdvanceToNextTimer() => FireNext(DateTimeOffset.MaxValue);

    private bool FireNext(DateTimeOffset notAfter)
    {
        VirtualTimer? next;
        lock (_gate)
        {
            next = _timers.Where(t => t.Due <= notAfter).OrderBy(t => t.Due).ThenBy(t => t.Order).FirstOrDefault();
            if (next is null)
                return false;
            if (next.Due > _now)
                _now = next.Due;
            _timers.Remove(next);
            if (next.Period > TimeSpan.Zero)
                Schedule(next, _now + next.Period);
        }
        next.Fire();
        return true;
    }

    private void Schedule(VirtualTimer timer, DateTimeOffset due)
    {
        timer.Due = due;
        timer.Order = ++_created;
        _timers.Add(timer);
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; set; }
        public long Order { get; set; }
        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                if (dueTime != Timeout.InfiniteTimeSpan)
                    clock.Schedule(this, clock._now + dueTime);
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate)
                clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
