using System.Diagnostics;

namespace DataFactory.Testing;

/// <summary>
/// Runs a pipeline run's continuations on one thread, so that "the run has nothing to do but wait" is known exactly:
/// the queue is empty and no request is out. Only then does the virtual clock jump to the next timer, which makes
/// the order of events the same on every machine (no real time decides anything).
/// </summary>
internal sealed class RunLoop : SynchronizationContext
{
    private readonly object _gate = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private int _outside;

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            _queue.Enqueue((d, state));
            Monitor.PulseAll(_gate);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("A pipeline test's run loop does not run work synchronously for other threads.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// Work the loop cannot see (a real HTTP request): the clock stands still until it is back. Its end is posted to
    /// the loop together with what it completes, so the loop never sees a moment where it has ended but not yet resumed the run.
    /// </summary>
    public Task<T> Outside<T>(Task<T> work)
    {
        Interlocked.Increment(ref _outside);
        var result = new TaskCompletionSource<T>();
        work.ContinueWith(done => Post(_ =>
        {
            Interlocked.Decrement(ref _outside);
            if (done.IsCanceled)
                result.SetCanceled();
            else if (done.Exception is { } e)
                result.SetException(e.InnerExceptions);
            else
                result.SetResult(done.Result);
        }, null), TaskScheduler.Default);
        return result.Task;
    }

    /// <param name="advanceDuringOutsideWork">Let the clock move while a request is out and nothing happened for 200 ms (a hanging request then meets its timeout).</param>
    /// <param name="wallClockLimit">Real time after which the run is cancelled (<paramref name="cancel"/>).</param>
    public static Task<T> RunAsync<T>(Func<RunLoop, Task<T>> start, VirtualClock clock, bool advanceDuringOutsideWork,
        TimeSpan wallClockLimit, Action cancel)
    {
        var finished = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var loop = new RunLoop();
            SetSynchronizationContext(loop);
            try
            {
                var run = start(loop);
                loop.Pump(run, clock, advanceDuringOutsideWork, wallClockLimit, cancel);
                finished.SetResult(run.GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                finished.SetException(e);
            }
        })
        { IsBackground = true, Name = "pipeline test run" };
        thread.Start();
        return finished.Task;
    }

    private void Pump(Task run, VirtualClock clock, bool advanceDuringOutsideWork, TimeSpan wallClockLimit, Action cancel)
    {
        var wall = Stopwatch.StartNew();
        var cancelled = false;
        while (!run.IsCompleted)
        {
            if (!cancelled && wall.Elapsed > wallClockLimit)
            {
                cancelled = true;
                cancel();
            }
            if (TryDequeue(out var work))
            {
                work.Callback(work.State);
                continue;
            }
            if (Volatile.Read(ref _outside) > 0)
            {
                // A request answers in milliseconds, or hangs: only one quiet for much longer moves the clock (to its
                // timeout, typically), and the next move waits as long again, while the cancelled request comes back.
                if (!WaitForWork(TimeSpan.FromMilliseconds(advanceDuringOutsideWork ? 200 : 100)) && advanceDuringOutsideWork)
                    clock.AdvanceToNextTimer();
                continue;
            }
            if (clock.AdvanceToNextTimer())
                continue;
            // Nothing queued, nothing out, no timer: only a cancellation can still end the run.
            WaitForWork(TimeSpan.FromMilliseconds(100));
        }
    }

    private bool TryDequeue(out (SendOrPostCallback Callback, object? State) work)
    {
        lock (_gate)
            return _queue.TryDequeue(out work);
    }

    private bool WaitForWork(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
                Monitor.Wait(_gate, timeout);
            return _queue.Count > 0;
        }
    }
}
