using System.Text.Json;
using System.Text.Json.Serialization;
using ContentionReports;

namespace LockSimulator;

/// <summary>A price and where it comes from; null when no source was found (that part of the cost is left out).</summary>
public sealed record Price([property: JsonPropertyName("value")] double? Value, [property: JsonPropertyName("source")] string Source);

/// <summary>prices.json: every price in one file with its source and date, overridable with --prices.</summary>
public sealed record PriceList(
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("retrieved")] string Retrieved,
    [property: JsonPropertyName("prices")] IReadOnlyDictionary<string, Price> Prices)
{
    public static PriceList Load(string path) =>
        JsonSerializer.Deserialize<PriceList>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} holds no price list.");

    public double? this[string name] => Prices.TryGetValue(name, out var price) ? price.Value : null;
}

/// <summary>
/// One billable quantity: in total, per successful run, per 1,000 successful runs, and its cost when priced (null: no
/// price); <c>plan</c> names the hosting plan it belongs to, null when every plan pays it.
/// </summary>
public sealed record CostLine(
    [property: JsonPropertyName("what")] string What,
    [property: JsonPropertyName("total")] double Total,
    [property: JsonPropertyName("perSuccess")] double PerSuccess,
    [property: JsonPropertyName("per1000")] double Per1000,
    [property: JsonPropertyName("costPer1000")] double? CostPer1000,
    [property: JsonPropertyName("price")] string Price,
    [property: JsonPropertyName("plan")] string? Plan);

/// <summary>What 1,000 successful runs cost on one hosting plan: the lines every plan pays plus the plan's own.</summary>
public sealed record PlanCost(
    [property: JsonPropertyName("plan")] string Plan,
    [property: JsonPropertyName("pricedPer1000")] double PricedPer1000,
    [property: JsonPropertyName("unpriced")] IReadOnlyList<string> Unpriced);

/// <summary>cost.json: the billable counts of a simulation and, per hosting plan, their cost per 1,000 successful runs where a price is known.</summary>
public sealed record CostReport(
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("pricesRetrieved")] string PricesRetrieved,
    [property: JsonPropertyName("succeeded")] int Succeeded,
    [property: JsonPropertyName("makespanSeconds")] double MakespanSeconds,
    [property: JsonPropertyName("lines")] IReadOnlyList<CostLine> Lines,
    [property: JsonPropertyName("plans")] IReadOnlyList<PlanCost> Plans,
    [property: JsonPropertyName("model")] IReadOnlyList<ModelParameter> Model)
{
    public const string FlexConsumption = "Flex Consumption";
    public const string ElasticPremium = "Elastic Premium";

    public static CostReport From(ContentionReport report, Billable billable, PlatformModel model, PriceList prices)
    {
        var succeeded = report.Totals.Succeeded;
        var lines = new List<CostLine>();
        void Line(string what, double total, string priceName, Func<double, double> cost, string? plan = null)
        {
            var per = succeeded > 0 ? total / succeeded : 0;
            double? costPer1000 = prices[priceName] is { } price ? Math.Round(cost(per * 1000) * price, 6) : null;
            lines.Add(new CostLine(what, Math.Round(total, 3), Math.Round(per, 3), Math.Round(per * 1000, 1), costPer1000, priceName, plan));
        }
        var memory = prices["flexConsumptionInstanceMemoryGb"] ?? 2.048;
        Line("Data Factory activity runs", billable.ActivityRuns, "adfActivityRunsPer1000", n => n / 1000);
        Line("Data Factory Web + Wait activity hours", (billable.WebActivitySeconds + billable.WaitActivitySeconds) / 3600, "adfPipelineActivityHour", h => h);
        // Elastic Premium has no per-execution charge; Flex Consumption bills executions and the GB-s they run.
        Line("function executions", billable.FunctionExecutions, "flexConsumptionExecutionsPerMillion", n => n / 1e6, FlexConsumption);
        Line("Flex Consumption GB-s (executing)", billable.FunctionSeconds * memory, "flexConsumptionGbSecond", gbs => gbs, FlexConsumption);
        Line("Elastic Premium instance hours (one instance over the makespan)", report.Totals.MakespanSeconds / 3600, "elasticPremiumEp1Hour", h => h, ElasticPremium);
        Line("storage transactions: lock blobs", billable.LockBlobTransactions, "storageTransactionsPer10000", n => n / 1e4);
        Line("storage transactions: poll records", billable.PollRecordTransactions, "storageTransactionsPer10000", n => n / 1e4);
        Line("storage transactions: task hub messages and tables", billable.TaskHubTransactions, "storageTransactionsPer10000", n => n / 1e4);
        Line("storage transactions: idle queue polls (upper bound)", billable.IdleQueuePolls, "storageTransactionsPer10000", n => n / 1e4);
        PlanCost On(string plan)
        {
            var paid = lines.Where(l => l.Plan is null || l.Plan == plan).ToList();
            return new PlanCost(plan, Math.Round(paid.Sum(l => l.CostPer1000 ?? 0), 4),
                [.. paid.Where(l => l.CostPer1000 is null).Select(l => $"{l.What} ({l.Price})")]);
        }
        return new CostReport(prices.Currency, prices.Retrieved, succeeded, report.Totals.MakespanSeconds, lines,
            [On(FlexConsumption), On(ElasticPremium)], [.. model.Parameters]);
    }

    public static void Print(CostReport cost)
    {
        Console.WriteLine($"Billable, per successful run and per 1,000 (prices of {cost.PricesRetrieved}, {cost.Currency}):");
        foreach (var line in cost.Lines)
            Console.WriteLine($"  {line.What}: {line.PerSuccess} per run, {line.Per1000} per 1,000" + (line.CostPer1000 is { } c ? $" = {c:0.####} {cost.Currency} per 1,000" : ""));
        foreach (var plan in cost.Plans)
            Console.WriteLine($"  priced part on {plan.Plan}: {plan.PricedPer1000:0.####} {cost.Currency} per 1,000 successful runs" +
                (plan.Unpriced.Count > 0 ? $"; not priced (no source found, see prices.json): {string.Join("; ", plan.Unpriced)}" : ""));
    }
}
