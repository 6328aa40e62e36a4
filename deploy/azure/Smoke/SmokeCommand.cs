using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Identity;
using Azure.ResourceManager;

namespace Smoke;

/// <summary>The command line of <c>./build.sh smoke</c>: where the factory is (stack outputs, options or --local) and what to run.</summary>
public static class SmokeCommand
{
    /// <param name="startLocalFactory">What <c>--local</c> runs against: starts a factory on this machine from a pipeline folder.
    /// Null in the Azure-only Smoke program, where <c>--local</c> points to <c>./build.sh smoke --local</c>.</param>
    public static RootCommand Create(TextWriter output, Func<string, CancellationToken, Task<ILocalFactory>>? startLocalFactory = null)
    {
        var runs = new Option<int>("--runs") { Description = "Pipeline runs started at once on the lock key.", DefaultValueFactory = _ => 3 };
        var lockKey = new Option<string>("--lock-key") { Description = "The one lock key every run uses.", DefaultValueFactory = _ => "smoke" };
        var operation = new Option<string>("--operation") { Description = "The Function App operation.", DefaultValueFactory = _ => "wait" };
        var seconds = new Option<double>("--seconds") { Description = "Input of the 'wait' operation: how long each run holds the lock.", DefaultValueFactory = _ => 5 };
        var input = new Option<string?>("--input") { Description = "The operation's input as a JSON object (instead of --seconds)." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "The pipeline's bound on attempts (default: the pipeline's own)." };
        var pipeline = new Option<string>("--pipeline") { Description = "The pipeline to run.", DefaultValueFactory = _ => "RunExclusiveOperation" };
        var subscription = new Option<string?>("--subscription") { Description = "Subscription id (default: ARM_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID)." };
        var resourceGroup = new Option<string?>("--resource-group") { Description = "The factory's resource group (default: the stack output resourceGroupName)." };
        var factoryName = new Option<string?>("--factory") { Description = "The Data Factory (default: the stack output dataFactoryName)." };
        var stack = new Option<string?>("--stack") { Description = "Pulumi stack whose outputs name the factory (default: the selected stack)." };
        var infra = new Option<string>("--infra") { Description = "The Pulumi project folder.", DefaultValueFactory = _ => Path.Combine("deploy", "azure", "Infra") };
        var pollSeconds = new Option<double>("--poll-seconds") { Description = "How often each run's status is read.", DefaultValueFactory = _ => 5 };
        var timeoutMinutes = new Option<double>("--timeout-minutes") { Description = "Give up on runs still in progress after this long.", DefaultValueFactory = _ => 30 };
        var summaryFile = new Option<string?>("--summary-file") { Description = "Also write the summary as Markdown here (PR comment, job summary)." };
        var local = new Option<bool>("--local") { Description = "Run against a Data Factory started on this machine (./build.sh smoke --local: Azurite and the local function host's ARM-shaped Data Factory API)." };
        var pipelineFolder = new Option<string>("--pipeline-folder") { Description = "--local: the factory's pipelines.", DefaultValueFactory = _ => Path.Combine("pipelines", "generated", "pipeline") };

        var root = new RootCommand(
            "Smoke run of a deployed environment: starts the pipeline N times at once on one lock key through Data Factory's REST API, " +
            "follows every run to its end, prints attempts, conflicts, waits and outcome per run; exit code 0 only when all succeeded.")
        {
            runs, lockKey, operation, seconds, input, maxAttempts, pipeline, subscription, resourceGroup, factoryName, stack, infra,
            pollSeconds, timeoutMinutes, summaryFile, local, pipelineFolder,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            JsonObject operationInput;
            try
            {
                operationInput = parse.GetValue(input) is { } json
                    ? JsonNode.Parse(json) as JsonObject ?? throw new JsonException("it is not a JSON object")
                    : new JsonObject { ["seconds"] = parse.GetValue(seconds) };
            }
            catch (JsonException e)
            {
                output.WriteLine($"--input must be a JSON object, e.g. '{{\"seconds\": 5}}' ({e.Message}).");
                return 2;
            }
            var options = new SmokeOptions(parse.GetValue(pipeline)!, parse.GetValue(runs), parse.GetValue(lockKey)!, parse.GetValue(operation)!,
                operationInput, parse.GetValue(maxAttempts), TimeSpan.FromSeconds(parse.GetValue(pollSeconds)),
                TimeSpan.FromMinutes(parse.GetValue(timeoutMinutes)), parse.GetValue(summaryFile));
            var problems = options.Problems().ToList();
            if (problems.Count > 0)
            {
                problems.ForEach(output.WriteLine);
                return 2;
            }

            try
            {
                if (parse.GetValue(local))
                {
                    if (startLocalFactory is null)
                    {
                        output.WriteLine("--local: this program runs against Azure only; ./build.sh smoke --local runs the local factory (deploy/local/LocalEnvironment).");
                        return 2;
                    }
                    await using var factory = await startLocalFactory(parse.GetValue(pipelineFolder)!, cancellationToken);
                    output.WriteLine($"Local: Data Factory API on {factory.ManagementEndpoint}, functions on {factory.FunctionBaseUrl}");
                    return (await new SmokeRun(factory.Runs(), options, output, TimeProvider.System).RunAsync(cancellationToken)).ExitCode;
                }
                var subscriptionId = parse.GetValue(subscription)
                    ?? Environment.GetEnvironmentVariable("ARM_SUBSCRIPTION_ID") ?? Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID")
                    ?? throw new SmokeSetupException("No subscription: pass --subscription or set ARM_SUBSCRIPTION_ID.");
                var (group, name) = (parse.GetValue(resourceGroup), parse.GetValue(factoryName));
                if (group is null || name is null)
                {
                    var outputs = await StackOutputs.ReadAsync(parse.GetValue(infra)!, parse.GetValue(stack), cancellationToken);
                    (group, name) = (group ?? outputs.ResourceGroup, name ?? outputs.FactoryName);
                }
                // The Azure CLI first: azure/login (OIDC) signs it in in the workflows, az login on a workstation; so the
                // identity is the deployer's, never a managed identity the runner's VM happens to have. Then the usual chain.
                var client = new ArmClient(new ChainedTokenCredential(new AzureCliCredential(), new DefaultAzureCredential()), subscriptionId);
                var runsInAzure = new DataFactoryRuns(client, DataFactoryRuns.FactoryId(subscriptionId, group, name));
                return (await new SmokeRun(runsInAzure, options, output, TimeProvider.System).RunAsync(cancellationToken)).ExitCode;
            }
            catch (SmokeSetupException e)
            {
                output.WriteLine(e.Message);
                return 2;
            }
            catch (RequestFailedException e)
            {
                output.WriteLine(SmokeRun.Describe(e));
                return 1;
            }
            catch (AuthenticationFailedException e)
            {
                output.WriteLine($"Could not get a token for Azure Resource Manager: {e.Message.Split('\n')[0]} (log in with az login, or azure/login in a workflow).");
                return 2;
            }
        });
        return root;
    }
}
