namespace ExclusiveOperations.Status;

/// <summary>
/// Tells held status polls that a run's state was just committed by this host, so a poll reads the run once when it
/// changed instead of re-reading on a schedule (each re-read is a read of the task hub). Only a host that commits the
/// runs' state itself can tell (<see cref="Announced"/>): the local host does; the Functions isolated worker does not
/// (the Durable host commits in another process), so its polls keep the lateness schedule (<see cref="RunStatus.NextReadAfter"/>).
/// </summary>
public sealed class RunCommits(bool announced)
{
    private readonly Dictionary<string, List<Subscription>> _subscriptions = [];

    /// <summary>Whether this host calls <see cref="Committed"/> for every run it processes.</summary>
    public bool Announced { get; } = announced;

    /// <summary>Starts listening for the run's commits; every commit after this call wakes the subscription's next wait.</summary>
    public Subscription Subscribe(string instanceId)
    {
        var subscription = new Subscription(this, instanceId);
        lock (_subscriptions)
        {
            if (!_subscriptions.TryGetValue(instanceId, out var list))
                _subscriptions[instanceId] = list = [];
            list.Add(subscription);
        }
        return subscription;
    }

    /// <summary>The host committed a new state of the run (after its write, so a read now sees it).</summary>
    public void Committed(string instanceId)
    {
        if (!Announced)
            return;
        Subscription[] woken;
        lock (_subscriptions)
        {
            if (!_subscriptions.TryGetValue(instanceId, out var list))
                return;
            woken = [.. list];
        }
        foreach (var subscription in woken)
            subscription.Wake();
    }

    private void Remove(Subscription subscription)
    {
        lock (_subscriptions)
        {
            if (_subscriptions.TryGetValue(subscription.InstanceId, out var list) && list.Remove(subscription) && list.Count == 0)
                _subscriptions.Remove(subscription.InstanceId);
        }
    }

    /// <summary>One poll's interest in one run; dispose it when the poll is answered.</summary>
    public sealed class Subscription(RunCommits owner, string instanceId) : IDisposable
    {
        // At most one pending wake: several commits between two reads need one read.
        private readonly SemaphoreSlim _woken = new(0, 1);

        public string InstanceId { get; } = instanceId;

        internal void Wake()
        {
            try
            {
                _woken.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken and not yet consumed.
            }
            catch (ObjectDisposedException)
            {
                // Answered meanwhile.
            }
        }

        /// <summary>Waits until a commit since the last wait, or <paramref name="timeout"/> on <paramref name="time"/>; true on a commit.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            if (_woken.Wait(0, CancellationToken.None))
                return true;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var commit = _woken.WaitAsync(stop.Token);
            await Task.WhenAny(commit, Task.Delay(timeout, time, stop.Token));
            // Stops the loser; a wake that races it is harmless, as the caller reads the run after every wait anyway.
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            return commit.IsCompletedSuccessfully;
        }

        public void Dispose()
        {
            owner.Remove(this);
            _woken.Dispose();
        }
    }
}
