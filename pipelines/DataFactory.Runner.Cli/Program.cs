using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using DataFactory.Pipelines.Json;
using DataFactory.Runner.Cli;
using DataFactory.Runner.Expressions;
using DataFactory.Runner.Run;

var pipelineFile = new Argument<FileInfo>("pipeline") { Description = "Pipeline JSON (ADF git layout: { \"name\", \"properties\" })." };
var parameters = new Option<string[]>("--param") { Description = "A parameter value, name=value (repeatable); typed by the pipeline's declaration.", AllowMultipleArgumentsPerToken = false };
var output = new Option<FileInfo?>("--output") { Description = "Write the run record (JSON, like Data Factory monitoring) here." };
var managedIdentityToken = new Option<string?>("--managed-identity-token")
{
    Description = "Bearer token that Web activities with MSI authentication send (locally there is no managed identity), " +
        "e.g. $(az account get-access-token --resource RESOURCE --query accessToken -o tsv). Default: $ADF_MANAGED_IDENTITY_TOKEN. Never written to the run record.",
};
var globals = new Option<string[]>("--global")
{
    Description = "A global parameter, name=value (repeatable), for pipeline().globalParameters.name; overrides the factory file's value " +
        "and is typed by its declaration there (String when undeclared).",
};
var factoryFile = new Option<FileInfo?>("--factory")
{
    Description = "Factory JSON whose properties.globalParameters the run sees. Default: the only file in ../factory/ of the pipeline's folder (ADF git layout), if any.",
};
var run = new Command("run", "Run a pipeline for real: Web activities call their URLs. Exit code 0 only when the run Succeeded.")
{
    pipelineFile, parameters, globals, factoryFile, output, managedIdentityToken,
};
run.SetAction(async (parse, cancellationToken) =>
{
    var file = parse.GetValue(pipelineFile)!;
    if (!file.Exists)
    {
        Console.Error.WriteLine($"No pipeline file at {file.FullName}.");
        return 2;
    }
    try
    {
        var pipeline = PipelineJson.Deserialize(await File.ReadAllTextAsync(file.FullName, cancellationToken), file.Name);
        var values = RunParameters.FromText(pipeline, parse.GetValue(parameters) ?? []);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var token = parse.GetValue(managedIdentityToken) ?? Environment.GetEnvironmentVariable("ADF_MANAGED_IDENTITY_TOKEN");
        var factory = parse.GetValue(factoryFile) ?? GlobalParameters.FactoryFileFor(file);
        if (factory is { Exists: false })
        {
            Console.Error.WriteLine($"No factory file at {factory.FullName}.");
            return 2;
        }
        var declaredGlobals = factory is null ? [] : GlobalParameters.Read(factory);
        var runner = new PipelineRunner(http, TimeProvider.System, new RunnerOptions
        {
            PipelineResolver = PipelineFolder.Resolver(file.Directory!),
            GlobalParameters = GlobalParameters.Resolve(declaredGlobals, parse.GetValue(globals) ?? []),
            ManagedIdentityToken = string.IsNullOrEmpty(token) ? null : (_, _) => ValueTask.FromResult(token),
        });
        var record = await runner.RunAsync(pipeline, values, cancellationToken: cancellationToken);
        RunReport.Print(record, Console.Out);
        if (parse.GetValue(output) is { } target)
        {
            target.Directory?.Create();
            await File.WriteAllTextAsync(target.FullName, JsonSerializer.Serialize(record, RunRecordJson.Options), cancellationToken);
            Console.WriteLine($"Run record: {target.FullName}");
        }
        return record.Status == RunState.Succeeded ? 0 : 1;
    }
    catch (Exception e) when (e is PipelineFormatException or RunParameters.ParameterException)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
});

var expressions = new Argument<string[]>("value")
{
    Description = "Values as a pipeline's JSON string would hold them: \"@add(1, 2)\" is an expression (a number here), " +
        "\"n=@{pipeline().parameters.n}\" interpolates (always a string), \"@@x\" is the text @x, and anything without a " +
        "leading '@' is a literal string, as in Data Factory: \"11\" is the text 11, \"add(1,2)\" the text add(1,2).",
    Arity = ArgumentArity.OneOrMore,
};
var evalParameters = new Option<string[]>("--param") { Description = "pipeline().parameters.name, as name=value (value parsed as JSON when it is JSON, else a string)." };
var evalGlobals = new Option<string[]>("--global") { Description = "pipeline().globalParameters.name, as name=value (a string)." };
var eval = new Command("eval", "Evaluate values the Data Factory way (an expression only when it starts with @); prints each value as one JSON line.")
{
    expressions, evalParameters, evalGlobals,
};
eval.SetAction(parse =>
{
    EvalContext context;
    try
    {
        context = EvalContext.From(parse.GetValue(evalParameters) ?? [], GlobalParameters.Resolve([], parse.GetValue(evalGlobals) ?? []));
    }
    catch (Exception e) when (e is ArgumentException or RunParameters.ParameterException)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    var status = 0;
    foreach (var expression in parse.GetValue(expressions)!)
    {
        try
        {
            Console.WriteLine(EvalContext.Evaluate(expression, context)?.ToJsonString(EvalOutput) ?? "null");
        }
        catch (ExpressionException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine($"  {e.Expression}");
            Console.Error.WriteLine($"  {new string(' ', Math.Max(0, e.Column - 1))}^");
            status = 1;
        }
    }
    return status;
});

// Named adf, not after the assembly as a RootCommand would be; with RootCommand's --help and --version.
var root = new Command("adf", "adf: runs Azure Data Factory pipeline JSON locally (control flow, expressions, real Web activities).")
{
    run, eval, new HelpOption(), new VersionOption(),
};
// Expressions start with '@', which System.CommandLine would otherwise read as response-file names.
return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync();

/// <summary>The entry point's own settings.</summary>
internal static partial class Program
{
    /// <summary>eval prints one value per line, with quotes and angle brackets as they are (as Data Factory Studio shows them).</summary>
    private static readonly JsonSerializerOptions EvalOutput = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
