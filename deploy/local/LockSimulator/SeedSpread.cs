using ContentionReports;

namespace LockSimulator;

/// <summary>A figure's mean over several seeds and its range.</summary>
public sealed record Spread(double Mean, double Min, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) => new(values.Average(), values.Min(), values.Max());

    public override string ToString() => $"{Mean:0.##} ({Min:0.##}-{Max:0.##})";
}

/// <summary>
/// One scenario over consecutive seeds: the latencies, the fixed Wait's jitter and the arrivals are drawn anew, so a
/// figure that depends on how the runs' phases fall (the fixed strategy above all) is judged by its mean, not one draw.
/// </summary>
public sealed record SeedSpread(int FirstSeed, int Seeds, Spread Makespan, Spread StartsPerSuccess, Spread PollsPerSuccess)
{
    public static SeedSpread Run(ScenarioOptions options, PlatformModel model, Arrivals arrivals, int firstSeed, int seeds, TimeSpan? queueTimeout = null)
    {
        var totals = Enumerable.Range(firstSeed, seeds)
            .Select(seed => new Simulation(options, model, seed, queueTimeout).Run(arrivals).Totals)
            .ToList();
        return new SeedSpread(firstSeed, seeds,
            Spread.Of([.. totals.Select(t => t.MakespanSeconds)]),
            Spread.Of([.. totals.Select(t => t.StartsPerSuccess)]),
            Spread.Of([.. totals.Select(t => t.PollsPerSuccess)]));
    }

    public override string ToString() =>
        $"Over seeds {FirstSeed}-{FirstSeed + Seeds - 1}, mean (range): makespan {Makespan} s, function starts per success {StartsPerSuccess}, " +
        $"status polls per success {PollsPerSuccess}";
}
