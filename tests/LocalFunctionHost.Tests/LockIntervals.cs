namespace ExclusiveOperations.LocalHost.Tests;

public static class LockIntervals
{
    /// <summary>Pairs of OK runs on one key whose lock intervals intersect (must always be empty).</summary>
    public static List<string> Overlaps(IEnumerable<OperationsClient.Run> runs)
    {
        var overlaps = new List<string>();
        foreach (var key in runs.Where(r => r.OutcomeStatus == "OK").GroupBy(r => r.Output!["lockKey"]!.GetValue<string>()))
        {
            var ordered = key.OrderBy(r => r.LockAcquiredAt).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].LockAcquiredAt < ordered[i - 1].LockReleasedAt)
                {
                    overlaps.Add($"{key.Key}: {ordered[i - 1].InstanceId} [{ordered[i - 1].LockAcquiredAt:O} - {ordered[i - 1].LockReleasedAt:O}] " +
                        $"overlaps {ordered[i].InstanceId} [{ordered[i].LockAcquiredAt:O} - {ordered[i].LockReleasedAt:O}]");
                }
            }
        }
        return overlaps;
    }
}
