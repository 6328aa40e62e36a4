namespace LocalTooling;

public static class LockIntervals
{
    /// <summary>
    /// Pairs of OK runs on one key whose lock intervals intersect (the lock's promise is that there are none),
    /// described for a failure message.
    /// </summary>
    public static List<string> Overlaps(IEnumerable<DurableHttpClient.Run> runs)
    {
        var overlaps = new List<string>();
        foreach (var key in runs.Where(r => r.OutcomeStatus == "OK").GroupBy(r => r.LockKey))
        {
            var ordered = key.OrderBy(r => r.LockAcquiredAt).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var (before, after) = (ordered[i - 1], ordered[i]);
                if (after.LockAcquiredAt < before.LockReleasedAt)
                {
                    overlaps.Add($"{key.Key}: {before.InstanceId} [{before.LockAcquiredAt:O} - {before.LockReleasedAt:O}] " +
                        $"overlaps {after.InstanceId} [{after.LockAcquiredAt:O} - {after.LockReleasedAt:O}]");
                }
            }
        }
        return overlaps;
    }
}
