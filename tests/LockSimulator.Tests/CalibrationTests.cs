using System.Globalization;
using System.Text.RegularExpressions;
using ContentionReports;
using ScenarioMode = ContentionReports.LockMode;

namespace LockSimulator.Tests;

/// <summary>
/// The simulator's local profile against the latest full bench (the first table of docs/benchmarks.md, read from the file):
/// makespan within 10 % and function starts per success within 0.1. Fixed and hint on 6 keys are left out, and
/// docs/simulator.md says why (the fixed Wait's phases are random; a busy machine brought hint runs back early).
/// </summary>
public sealed partial class CalibrationTests
{
    public static TheoryData<string> Columns => ["hint, 1 s", "queue, 1 s", "hint, 10 s", "queue, 10 s", "queue, 6 keys", "hint, azure 20 s", "queue, azure 20 s"];

    [Theory]
    [MemberData(nameof(Columns))]
    public void The_local_profile_predicts_the_bench(string column)
    {
        var (makespan, starts) = Measured(column);
        var predicted = Predict(column);

        Assert.InRange(predicted.Totals.MakespanSeconds, makespan * 0.9, makespan * 1.1);
        Assert.InRange(predicted.Totals.StartsPerSuccess, starts - 0.1, starts + 0.1);
    }

    /// <summary>The bench's scenario of a column: 20 runs on one key (6 keys: 60 runs of 1 s; azure: 4 runs of 20 s on the host's Azure polling).</summary>
    public static ContentionReport Predict(string column)
    {
        var mode = column.StartsWith("queue", StringComparison.Ordinal) ? ScenarioMode.Queue : ScenarioMode.Conflict;
        var azure = column.Contains("azure", StringComparison.Ordinal);
        var keys = column.EndsWith("6 keys", StringComparison.Ordinal) ? 6 : 1;
        var seconds = azure ? 20 : keys > 1 ? 1 : double.Parse(column.Split(", ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        var options = new ScenarioOptions(azure ? 4 : keys > 1 ? 60 : 20, keys, seconds, RetryStrategy.Hint, 5, 100, mode);
        // The bench's azure columns ran the local host with the app's Azure polling (2 s), on the same machine.
        var model = PlatformModel.For(Profile.Local).With(azure ? ["maxQueuePollingInterval=2", "queuePollCeiling=0.12"] : []);
        return new Simulation(options, model).Run(new Arrivals());
    }

    private static (double Makespan, double Starts) Measured(string column)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "docs", "benchmarks.md"));
        var header = Cells(lines.First(l => l.StartsWith("| | fixed, 1 s |", StringComparison.Ordinal)));
        var index = header.IndexOf(column);
        Assert.True(index > 0, $"docs/benchmarks.md's first table has no column '{column}'");
        var start = Array.FindIndex(lines, l => l.StartsWith("| | fixed, 1 s |", StringComparison.Ordinal));
        string Row(string name) => Cells(lines.Skip(start).First(l => l.StartsWith($"| {name}", StringComparison.Ordinal)))[index];
        var makespan = double.Parse(Number().Match(Row("makespan")).Value, CultureInfo.InvariantCulture);
        var starts = double.Parse(Number().Match(Row("function starts per success")).Value, CultureInfo.InvariantCulture);
        return (makespan, starts);
    }

    private static List<string> Cells(string row) => [.. row.Trim('|').Split('|').Select(c => c.Trim())];

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex Number();
}
