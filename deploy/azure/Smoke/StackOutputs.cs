using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Smoke;

/// <summary>
/// The deployed environment, from the Pulumi program's stack outputs (<c>pulumi stack output --json</c> in
/// deploy/azure/Infra): <c>resourceGroupName</c> and <c>dataFactoryName</c> are what the smoke run needs.
/// </summary>
public static class StackOutputs
{
    public sealed record Factory(string ResourceGroup, string FactoryName);

    public static async Task<Factory> ReadAsync(string infraFolder, string? stack, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(infraFolder))
            throw new SmokeSetupException($"No Pulumi project at {Path.GetFullPath(infraFolder)}: run from the repository root or pass --infra; " +
                "or name the factory with --subscription, --resource-group and --factory.");
        var start = new ProcessStartInfo("pulumi") { WorkingDirectory = infraFolder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "stack", "output", "--json" })
            start.ArgumentList.Add(argument);
        if (!string.IsNullOrEmpty(stack))
        {
            start.ArgumentList.Add("--stack");
            start.ArgumentList.Add(stack);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("pulumi did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SmokeSetupException($"Could not run 'pulumi stack output --json' in {infraFolder} ({e.Message}). " +
                "Install the Pulumi CLI and log in to the stack's backend, or pass --subscription, --resource-group and --factory.");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new SmokeSetupException($"'pulumi stack output --json' failed in {infraFolder} (exit code {process.ExitCode}): {(await stderr).Trim()} " +
                    "Log in to the stack's backend and select the stack (--stack), or pass --subscription, --resource-group and --factory.");
            return Parse(await stdout);
        }
    }

    public static Factory Parse(string json)
    {
        var outputs = JsonNode.Parse(json) as JsonObject ?? throw new SmokeSetupException("The stack outputs are not a JSON object.");
        string Required(string name) => outputs[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
            ? s
            : throw new SmokeSetupException($"The stack has no output '{name}' (it has: {string.Join(", ", outputs.Select(o => o.Key))}). Deploy it first, or pass --resource-group and --factory.");
        return new Factory(Required("resourceGroupName"), Required("dataFactoryName"));
    }
}

/// <summary>The smoke run cannot start: what is missing and what to do (exit code 2).</summary>
public sealed class SmokeSetupException(string message) : Exception(message);
