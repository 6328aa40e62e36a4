using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Smoke.Tests;

/// <summary>
/// The properties the GitHub workflows must keep, checked on their parsed YAML (and, for the version comments that
/// YAML drops, on their text): pinned actions, least privilege, OIDC only, no secret in plain text, no cloud
/// credentials for fork pull requests, and destroy-on-close that survives earlier failures.
/// </summary>
public static partial class WorkflowRules
{
    public const string ForkGuard = "github.event.pull_request.head.repo.full_name == github.repository";

    [GeneratedRegex(@"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"uses:\s*(?<action>\S+)\s*#\s*v\d+\.\d+\.\d+\s*$")]
    private static partial Regex VersionComment();

    [GeneratedRegex(@"(SECRET|TOKEN|PASSWORD|PASSPHRASE|KEY)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^\$\{\{\s*(secrets\.[A-Za-z0-9_]+|github\.token)\s*\}\}$")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"^\$\{\{\s*vars\.[A-Za-z0-9_]+\s*\}\}$")]
    private static partial Regex VariableReference();

    public static IReadOnlyList<string> Check(string name, string text)
    {
        var problems = new List<string>();
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var triggers = Child(root, "on");
        var pullRequestTriggered = triggers is YamlMappingNode t && Child(t, "pull_request") is not null || Scalar(triggers) == "pull_request";
        if (triggers is YamlMappingNode tm && Child(tm, "pull_request_target") is not null)
            problems.Add($"{name}: pull_request_target runs with secrets on fork code; use pull_request.");

        // Least privilege: nothing at the top, each job says what it needs.
        if (Child(root, "permissions") is not YamlMappingNode { Children.Count: 0 })
            problems.Add($"{name}: top-level permissions must be {{}} (each job declares its own).");
        if (Child(root, "concurrency") is null)
            problems.Add($"{name}: no concurrency group.");

        foreach (var line in text.Split('\n').Where(l => l.TrimStart().StartsWith("- uses:", StringComparison.Ordinal) || l.TrimStart().StartsWith("uses:", StringComparison.Ordinal)))
        {
            var action = line.Split("uses:", 2)[1].Split('#')[0].Trim();
            if (action.StartsWith("./", StringComparison.Ordinal)) continue;
            if (!PinnedAction().IsMatch(action))
                problems.Add($"{name}: '{action}' is not pinned to a full commit SHA.");
            else if (!VersionComment().IsMatch(line.TrimEnd()))
                problems.Add($"{name}: '{action}' has no '# vX.Y.Z' comment naming the tag it was taken from.");
        }

        var workflowEnv = Child(root, "env") as YamlMappingNode;
        CheckEnv(name, "workflow env", workflowEnv, problems);
        var workflowEnvUsesSecrets = workflowEnv?.Children.Values.Any(v => Scalar(v)?.Contains("secrets.", StringComparison.Ordinal) == true) == true;

        foreach (var (jobKey, jobNode) in (Child(root, "jobs") as YamlMappingNode)?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        {
            var job = (YamlMappingNode)jobNode;
            var jobName = $"{name} job '{Scalar(jobKey)}'";
            var steps = (Child(job, "steps") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().ToList() ?? [];
            var permissions = Child(job, "permissions") as YamlMappingNode;
            if (permissions is null)
                problems.Add($"{jobName}: no permissions block.");
            var idToken = permissions is not null && Scalar(Child(permissions, "id-token")) == "write";
            var logins = steps.Where(s => Scalar(Child(s, "uses"))?.StartsWith("azure/login@", StringComparison.OrdinalIgnoreCase) == true).ToList();
            if (logins.Count > 0 && !idToken)
                problems.Add($"{jobName}: azure/login (OIDC) needs permissions id-token: write.");
            if (logins.Count == 0 && idToken)
                problems.Add($"{jobName}: id-token: write without an Azure login; drop it.");
            foreach (var login in logins)
            {
                var with = Child(login, "with") as YamlMappingNode;
                foreach (var input in new[] { "client-id", "tenant-id", "subscription-id" })
                    if (!VariableReference().IsMatch(Scalar(with is null ? null : Child(with, input)) ?? ""))
                        problems.Add($"{jobName}: azure/login '{input}' must come from a repository variable (${{{{ vars.X }}}}).");
                foreach (var forbidden in new[] { "client-secret", "creds" })
                    if (with is not null && Child(with, forbidden) is not null)
                        problems.Add($"{jobName}: azure/login '{forbidden}' is a stored credential; use OIDC federated credentials.");
            }
            if (logins.Count > 0)
            {
                string? Env(string key) => Scalar(Child(job, "env") is YamlMappingNode e ? Child(e, key) : null) ?? Scalar(workflowEnv is null ? null : Child(workflowEnv, key));
                if (Env("ARM_USE_OIDC") != "true")
                    problems.Add($"{jobName}: the azure-native provider needs ARM_USE_OIDC: \"true\".");
                foreach (var key in new[] { "ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID" })
                    if (!VariableReference().IsMatch(Env(key) ?? ""))
                        problems.Add($"{jobName}: {key} must come from a repository variable.");
            }
            CheckEnv(name, jobName + " env", Child(job, "env") as YamlMappingNode, problems);
            foreach (var step in steps)
            {
                CheckEnv(name, jobName + " step env", Child(step, "env") as YamlMappingNode, problems);
                CheckEnv(name, jobName + " step with", Child(step, "with") as YamlMappingNode, problems);
            }

            // Fork pull requests: no job that can reach the cloud or the secrets runs for them.
            var usesSecrets = workflowEnvUsesSecrets || Child(job, "env") is YamlMappingNode je && je.Children.Values.Any(v => Scalar(v)?.Contains("secrets.", StringComparison.Ordinal) == true);
            if (pullRequestTriggered && (idToken || usesSecrets) && Scalar(Child(job, "if"))?.Contains(ForkGuard, StringComparison.Ordinal) != true)
                problems.Add($"{jobName}: runs on pull requests with cloud credentials but its 'if' lacks the fork guard ({ForkGuard}).");
        }
        return problems;
    }

    /// <summary>Destroy on close: a job for closed PRs whose destroy and stack removal run even after earlier failures.</summary>
    public static IReadOnlyList<string> CheckDestroyOnClose(string name, string text)
    {
        var problems = new List<string>();
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var types = (Child(Child(root, "on") as YamlMappingNode ?? new YamlMappingNode(), "pull_request") is YamlMappingNode pr ? Child(pr, "types") as YamlSequenceNode : null)
            ?.Children.Select(Scalar).ToList() ?? [];
        if (!types.Contains("closed"))
            problems.Add($"{name}: not triggered when a pull request closes.");
        var concurrency = Child(root, "concurrency") as YamlMappingNode;
        if (Scalar(concurrency is null ? null : Child(concurrency, "group"))?.Contains("github.event.pull_request.number", StringComparison.Ordinal) != true)
            problems.Add($"{name}: the concurrency group is not per pull request.");
        if (Scalar(concurrency is null ? null : Child(concurrency, "cancel-in-progress")) != "false")
            problems.Add($"{name}: cancel-in-progress must be false (a close must never cancel a deploy half way, nor be cancelled).");

        var closeJobs = ((Child(root, "jobs") as YamlMappingNode)?.Children.Values ?? Enumerable.Empty<YamlNode>()).OfType<YamlMappingNode>()
            .Where(j => Scalar(Child(j, "if"))?.Contains("github.event.action == 'closed'", StringComparison.Ordinal) == true).ToList();
        var steps = closeJobs.SelectMany(j => (Child(j, "steps") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? []).ToList();
        void RunsAlways(string command)
        {
            var step = steps.FirstOrDefault(s => Scalar(Child(s, "run"))?.Contains(command, StringComparison.Ordinal) == true);
            if (step is null)
                problems.Add($"{name}: no step of a job for closed pull requests runs '{command}'.");
            else if (Scalar(Child(step, "if"))?.Contains("always()", StringComparison.Ordinal) != true)
                problems.Add($"{name}: the '{command}' step does not run after earlier failures (its 'if' needs always()).");
        }
        RunsAlways("pulumi destroy");
        RunsAlways("pulumi stack rm");
        return problems;
    }

    private static void CheckEnv(string name, string where, YamlMappingNode? map, List<string> problems)
    {
        foreach (var (key, value) in map?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        {
            var text = Scalar(value) ?? "";
            if (SecretName().IsMatch(Scalar(key) ?? "") && !SecretReference().IsMatch(text))
                problems.Add($"{name}: {where} '{Scalar(key)}' must be ${{{{ secrets.X }}}} (or github.token), not a plain value.");
        }
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;
}
