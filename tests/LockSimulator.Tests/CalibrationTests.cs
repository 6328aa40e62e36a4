using System.Globalization;
using ContentionReports;
using ScenarioMode = ContentionReports.LockMode;

namespace LockSimulator.Tests;

/// <summary>
/// The simulator's local profile against measured runs of the bench's scenarios (the calibration table of
/// docs/simulator.md, read from the file): the mean over seeds 1-8 within 10 % of the measured mean makespan and within
/// 0.1 of the measured mean function starts per success. Fixed and hint on 6 keys depend on how the runs' phases fall;
/// their measured runs spread by 0.2-0.45 starts per success and the model stays within 0.3 of their mean (the table
/// says so). The table's predicted cells must be what the simulator gives today, so the table cannot go stale.
/// </summary>
public sealed class CalibrationTests
{
    private const int Seeds = 8;

    public static TheoryData<string> Columns =>
    [
        "fixed, 1 s", "hint, 1 s", "queue, 1 s", "fixed, 10 s", "hint, 10 s", "queue, 10 s",
        "hint, 6 keys", "queue, 6 keys", "hint, azure 20 s", "queue, azure 20 s",
    ];

    [Theory]
    [MemberData(nameof(Columns))]
    public void The_local_profile_predicts_the_measured_runs(string column)
    {
        var row = CalibrationRow.Read(column);
        var predicted = Predict(column);

        Assert.InRange(predicted.Makespan.Mean, row.Makespan.Average() * 0.9, row.Makespan.Average() * 1.1);
        var phaseDependent = column.StartsWith("fixed", StringComparison.Ordinal) || column == "hint, 6 keys";
        var tolerance = phaseDependent ? 0.3 : 0.1;
        Assert.InRange(predicted.StartsPerSuccess.Mean, row.Starts.Average() - tolerance, row.Starts.Average() + tolerance);
        // The table shows the prediction rounded (0.1 s, 0.01 starts): it must be today's.
        Assert.InRange(row.PredictedMakespan, predicted.Makespan.Mean - 0.051, predicted.Makespan.Mean + 0.051);
        Assert.InRange(row.PredictedStarts, predicted.StartsPerSuccess.Mean - 0.0051, predicted.StartsPerSuccess.Mean + 0.0051);
    }

    /// <summary>The bench's scenario of a column: 20 runs on one key (6 keys: 60 runs of 1 s; azure: 4 runs of 20 s on the host's Azure polling).</summary>
    private static SeedSpread Predict(string column)
    {
        var mode = column.StartsWith("queue", StringComparison.Ordinal) ? ScenarioMode.Queue : ScenarioMode.Conflict;
        var strategy = column.StartsWith("fixed", StringComparison.Ordinal) ? RetryStrategy.Fixed : RetryStrategy.Hint;
        var azure = column.Contains("azure", StringComparison.Ordinal);
        var keys = column.EndsWith("6 keys", StringComparison.Ordinal) ? 6 : 1;
        var seconds = azure ? 20 : keys > 1 ? 1 : double.Parse(column.Split(", ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        var options = new ScenarioOptions(azure ? 4 : keys > 1 ? 60 : 20, keys, seconds, strategy, 5, 100, mode);
        // The bench's azure columns ran the local host with the app's Azure polling (2 s), on the same machine.
        var model = PlatformModel.For(Profile.Local).With(azure ? ["maxQueuePollingInterval=2", "queuePollCeiling=0.12"] : []);
        return SeedSpread.Run(options, model, new Arrivals(), 1, Seeds);
    }

    /// <summary>A row of the calibration table: the measured runs' figures and the documented prediction.</summary>
    private sealed record CalibrationRow(double[] Makespan, double[] Starts, double PredictedMakespan, double PredictedStarts)
    {
        private const string Header = "| scenario | makespan s, measured runs |";

        public static CalibrationRow Read(string column)
        {
            var lines = File.ReadAllLines(Path.Combine(Repository.Root, "docs", "simulator.md"));
            var start = Array.FindIndex(lines, l => l.StartsWith(Header, StringComparison.Ordinal));
            Assert.True(start >= 0, $"docs/simulator.md has no calibration table (a line starting '{Header}')");
            var header = Cells(lines[start]);
            var row = lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Select(Cells).FirstOrDefault(c => c[0] == column);
            Assert.True(row is not null, $"docs/simulator.md's calibration table has no row '{column}'");
            string Cell(string name) => row[header.IndexOf(name)];
            return new CalibrationRow(Numbers(Cell("makespan s, measured runs")), Numbers(Cell("starts per success, measured runs")),
                First(Cell("makespan s, predicted")), First(Cell("starts per success, predicted")));
        }

        private static List<string> Cells(string row) => [.. row.Trim().Trim('|').Split('|').Select(c => c.Trim())];

        private static double[] Numbers(string cell) => [.. cell.Split(',').Select(n => double.Parse(n, CultureInfo.InvariantCulture))];

        /// <summary>The mean before its range: "48.9 (41.1-55.3)".</summary>
        private static double First(string cell) => double.Parse(cell.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
