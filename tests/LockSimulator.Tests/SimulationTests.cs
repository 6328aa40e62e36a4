using System.Text.Json;
using ContentionReports;
using ScenarioMode = ContentionReports.LockMode;

namespace LockSimulator.Tests;

/// <summary>The simulator runs the lock's own transitions on virtual time: what it reports must hold whatever the timings.</summary>
public sealed class SimulationTests
{
    private static ScenarioOptions Scenario(int runs, int keys, double seconds, ScenarioMode mode, RetryStrategy strategy = RetryStrategy.Hint) =>
        new(runs, keys, seconds, strategy, WaitSeconds: 5, MaxAttempts: 100, mode);

    [Fact]
    public void Queue_mode_serves_every_run_once_in_join_order_without_overlap_or_idle_lock()
    {
        var report = new Simulation(Scenario(6, 1, 1, ScenarioMode.Queue), PlatformModel.For(Profile.Local)).Run(new Arrivals());

        Assert.Equal((6, 0, 0), (report.Totals.Succeeded, report.Totals.Conflicts, report.Totals.Overlaps));
        Assert.Equal(1, report.Totals.StartsPerSuccess);
        Assert.Equal(0, report.Makespan!.QueueOrderInversions);
        Assert.Equal(0, report.Makespan.IdleSeconds);
        Assert.True(report.Totals.MakespanSeconds > report.Totals.IdealSeconds);
    }

    [Theory]
    [InlineData(ScenarioMode.Queue)]
    [InlineData(ScenarioMode.Conflict)]
    public void The_report_shows_how_many_runs_waited_over_time_and_the_longest_line(ScenarioMode mode)
    {
        // Twelve runs at once on three keys: each key's four runs wait together at the start, then one by one less.
        var report = new Simulation(Scenario(12, 3, 1, mode), PlatformModel.For(Profile.Local)).Run(new Arrivals());

        Assert.Equal(4, report.Longest!.Runs);
        Assert.Equal(report.Runs.Min(r => r.StartedAt), report.Longest.At);
        Assert.Equal(12, report.RunsWaiting.Max(w => w.Runs));
        Assert.Equal(0, report.RunsWaiting[^1].Runs);
        Assert.All(report.RunsWaiting, w => Assert.InRange(w.Runs, 0, 12));
        // The last run to get a lock stopped waiting at the last change.
        Assert.Equal(report.Runs.Max(r => r.Operations.Single(o => o.Status == "OK").LockAcquiredAt), report.RunsWaiting[^1].At);
    }

    [Theory]
    [InlineData(ScenarioMode.Conflict, RetryStrategy.Hint)]
    [InlineData(ScenarioMode.Conflict, RetryStrategy.Fixed)]
    [InlineData(ScenarioMode.Queue, RetryStrategy.Hint)]
    public void Many_runs_on_many_keys_on_azure_timings_never_overlap_and_every_run_ends(ScenarioMode mode, RetryStrategy strategy)
    {
        var report = new Simulation(Scenario(2_000, 40, 5, mode, strategy), PlatformModel.For(Profile.Azure)).Run(new Arrivals(PoissonPerSecond: 50));

        Assert.Equal(0, report.Totals.Overlaps);
        Assert.All(report.Runs, run => Assert.NotNull(run.EndedAt));
        Assert.Equal(2_000, report.Totals.Succeeded);
    }

    [Fact]
    public void The_same_seed_gives_the_same_report_and_another_seed_another()
    {
        string Json(int seed) => JsonSerializer.Serialize(
            new Simulation(Scenario(20, 2, 1, ScenarioMode.Conflict, RetryStrategy.Fixed), PlatformModel.For(Profile.Local), seed).Run(new Arrivals()));

        Assert.Equal(Json(7), Json(7));
        Assert.NotEqual(Json(7), Json(8));
    }

    [Fact]
    public void A_queue_timeout_shorter_than_the_line_times_the_last_runs_out()
    {
        // Ten 10 s runs on one key: the last ones would get the lock after about 90 s, past a 30 s queueTimeout.
        var report = new Simulation(Scenario(10, 1, 10, ScenarioMode.Queue), PlatformModel.For(Profile.Local), queueTimeout: TimeSpan.FromSeconds(30))
            .Run(new Arrivals());

        Assert.InRange(report.Totals.Succeeded, 3, 4);
        Assert.All(report.Runs.Where(r => r.Error is not null), run => Assert.Equal("TimedOut", run.Error!.ErrorCode));
    }

    [Fact]
    public void A_schedule_starts_each_run_at_its_instant()
    {
        var report = new Simulation(Scenario(3, 3, 1, ScenarioMode.Queue), PlatformModel.For(Profile.Local)).Run(new Arrivals(Schedule: [0, 5, 12.5]));

        var starts = report.Runs.Select(r => (r.StartedAt - report.Runs[0].StartedAt).TotalSeconds);
        Assert.Equal([0, 5, 12.5], starts);
    }

    [Fact]
    public void Model_parameters_are_overridden_by_name_and_unknown_names_are_refused()
    {
        var model = PlatformModel.For(Profile.Azure).With(["http=0.2"]);

        Assert.Equal(0.2, model.HttpSeconds);
        Assert.Equal("--set", model.Parameters.Single(p => p.Name == "http").Source);
        Assert.All(PlatformModel.For(Profile.Azure).Parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Source)));
        Assert.Throws<ArgumentException>(() => PlatformModel.For(Profile.Local).With(["nonsense=1"]));
        Assert.Throws<ArgumentException>(() => PlatformModel.For(Profile.Local).With(["http=-1"]));
    }

    [Fact]
    public void Queue_mode_costs_fewer_activity_runs_and_executions_per_success_than_conflict_mode_under_contention()
    {
        var prices = PriceList.Load(Path.Combine(Repository.Root, "deploy", "local", "LockSimulator", "prices.json"));
        CostReport Cost(ScenarioMode mode)
        {
            var simulation = new Simulation(Scenario(20, 1, 1, mode, RetryStrategy.Fixed), PlatformModel.For(Profile.Local));
            var report = simulation.Run(new Arrivals());
            return CostReport.From(report, simulation.Billable, PlatformModel.For(Profile.Local), prices);
        }
        double PerSuccess(CostReport cost, string what) => cost.Lines.Single(l => l.What.StartsWith(what, StringComparison.Ordinal)).PerSuccess;

        var (queue, conflict) = (Cost(ScenarioMode.Queue), Cost(ScenarioMode.Conflict));

        // One call and five activities per queued run; every Conflict costs a call, an orchestration and seven activities.
        Assert.Equal(5, PerSuccess(queue, "Data Factory activity runs"));
        Assert.True(PerSuccess(conflict, "Data Factory activity runs") > 2 * PerSuccess(queue, "Data Factory activity runs"));
        Assert.All(conflict.Plans, plan => Assert.True(plan.PricedPer1000 > queue.Plans.Single(p => p.Plan == plan.Plan).PricedPer1000, plan.Plan));
    }

    [Fact]
    public void Every_price_names_its_source_and_an_unknown_price_is_reported_as_not_priced()
    {
        var prices = PriceList.Load(Path.Combine(Repository.Root, "deploy", "local", "LockSimulator", "prices.json"));
        var simulation = new Simulation(Scenario(4, 1, 1, ScenarioMode.Queue), PlatformModel.For(Profile.Local));
        var cost = CostReport.From(simulation.Run(new Arrivals()), simulation.Billable, PlatformModel.For(Profile.Local), prices);

        Assert.All(prices.Prices.Values, price => Assert.False(string.IsNullOrWhiteSpace(price.Source)));
        Assert.Equal(prices.Prices.Where(p => p.Value.Value is null).Select(p => p.Key).Order(),
            cost.Plans.SelectMany(p => p.Unpriced).Select(u => u[(u.LastIndexOf('(') + 1)..^1]).Distinct().Order());
    }

    [Fact]
    public void Each_plan_pays_the_common_lines_and_only_its_own()
    {
        var prices = new PriceList("USD", "test", new Dictionary<string, Price>
        {
            ["adfActivityRunsPer1000"] = new(1, "test"),
            ["flexConsumptionGbSecond"] = new(1, "test"),
            ["elasticPremiumEp1Hour"] = new(3600, "test"),
        });
        var simulation = new Simulation(Scenario(4, 1, 1, ScenarioMode.Queue), PlatformModel.For(Profile.Local));
        var report = simulation.Run(new Arrivals());
        var cost = CostReport.From(report, simulation.Billable, PlatformModel.For(Profile.Local), prices);
        double Line(string what) => cost.Lines.Single(l => l.What.StartsWith(what, StringComparison.Ordinal)).CostPer1000!.Value;

        var flex = cost.Plans.Single(p => p.Plan == CostReport.FlexConsumption);
        var premium = cost.Plans.Single(p => p.Plan == CostReport.ElasticPremium);
        Assert.Equal(Line("Data Factory activity runs") + Line("Flex Consumption GB-s"), flex.PricedPer1000, 3);
        Assert.Equal(Line("Data Factory activity runs") + Line("Elastic Premium"), premium.PricedPer1000, 3);
        Assert.Contains(flex.Unpriced, u => u.StartsWith("function executions", StringComparison.Ordinal));
        Assert.DoesNotContain(premium.Unpriced, u => u.StartsWith("function executions", StringComparison.Ordinal));
    }
}
