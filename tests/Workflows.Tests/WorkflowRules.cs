using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Tests;

/// <summary>
/// The properties the GitHub workflows must keep, checked on their parsed YAML (and, for the version comments that
/// YAML drops, on their text): actions pinned to verified Node 24 releases, least privilege, OIDC only, no secret in
/// plain text nor in a workflow- or job-wide env, azure/login after every build step, no cloud credentials for fork
/// pull requests, no command output swallowed on its way to GITHUB_OUTPUT, main deployed only after the tests and with
/// one concurrency group per environment, one pull request's stack touched by one job at a time and never created by a
/// preview, the package built before the program runs, and destroy-on-close that survives earlier failures.
/// </summary>
public static partial class WorkflowRules
{
    public const string ForkGuard = "github.event.pull_request.head.repo.full_name == github.repository";

    /// <summary>A release of an action: the commit its tag names and the runtime in its action.yml (runs.using).</summary>
    public sealed record VerifiedAction(string Sha, string Tag, string Runtime);

    /// <summary>When <see cref="VerifiedActions"/> was checked, and how.</summary>
    public const string ActionsVerified =
        "2026-12-07, from each action's repository (snapshot through the fetch tool): git rev-parse TAG^{commit} and " +
        "git show TAG:action.yml (runs.using); the newest release tag of each repository.";

    /// <summary>
    /// The only pins the workflows and the composite action may use. GitHub removed Node 20 from its runners, so each is
    /// a release whose action.yml says <c>runs.using: node24</c>. Before: checkout v4.2.2 11bd7190, setup-dotnet v4.3.1
    /// 67a3573c, setup-node v4.4.0 49933ea5, upload-artifact v4.6.2 ea165f8d, azure/login v2.3.0 a457da9e (all node20).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, VerifiedAction> VerifiedActions = new Dictionary<string, VerifiedAction>(StringComparer.OrdinalIgnoreCase)
    {
        ["actions/checkout"] = new("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1", "node24"),
        ["actions/setup-dotnet"] = new("a98b56852c35b8e3190ac28c8c2271da59106c68", "v6.0.0", "node24"),
        ["actions/setup-node"] = new("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0", "node24"),
        ["actions/upload-artifact"] = new("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0", "node24"),
        ["actions/download-artifact"] = new("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1", "node24"),
        ["azure/login"] = new("f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", "v3.0.1", "node24"),
    };

    [GeneratedRegex(@"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"uses:\s*(?<action>\S+)\s*#\s*(?<tag>v\d+\.\d+\.\d+)\s*$")]
    private static partial Regex VersionComment();

    // echo/printf whose arguments hold a command substitution, appended to GITHUB_OUTPUT or GITHUB_ENV: bash -e does not
    // stop when the substituted command fails (echo succeeds), so an empty value is written and the step goes green.
    [GeneratedRegex(@"\b(?:echo|printf)\b[^\n]*(?:\$\((?!\()|`)[^\n]*>>\s*""?\$\{?(?:GITHUB_OUTPUT|GITHUB_ENV)\b")]
    private static partial Regex EchoedSubstitution();

    // The same inside a { ...; } group redirected as a whole.
    [GeneratedRegex(@"(?<![$])\{(?<body>(?:[^{}]|\$\{[^{}]*\})*)\}\s*>>\s*""?\$\{?(?:GITHUB_OUTPUT|GITHUB_ENV)\b")]
    private static partial Regex RedirectedGroup();

    [GeneratedRegex(@"\b(?:echo|printf)\b[^\n]*(?:\$\((?!\()|`)")]
    private static partial Regex EchoWithSubstitution();

    // Steps that restore or build (third-party code runs in them): all before azure/login.
    [GeneratedRegex(@"\./build\.sh\s+(?:build|publish|test|pipelines)\b|\bnpm\s+(?:ci|install)\b|\bdotnet\s+(?:restore|build|publish|test)\b")]
    private static partial Regex BuildCommand();

    // pulumi preview/up as a command (at a line's start, or after ; & | then do !), not words in an echo.
    [GeneratedRegex(@"(?m)(?:^|[;&|!]|\bthen\b|\bdo\b)\s*pulumi\s+(?:preview|up)\b")]
    private static partial Regex RunsProgram();

    [GeneratedRegex(@"(?m)(?:^|[;&|!]|\bthen\b|\bdo\b)\s*pulumi\s+preview\b")]
    private static partial Regex RunsPreview();

    [GeneratedRegex(@"(?m)(?:^|[;&|!]|\bthen\b|\bdo\b)\s*pulumi\s+up\b")]
    private static partial Regex RunsUp();

    [GeneratedRegex(@"\bpulumi\s|pulumi-stack\.sh")]
    private static partial Regex TouchesStack();

    public const string DeployStackAction = "./.github/actions/deploy-stack";

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
        var jobs = Jobs(root);
        if (Child(root, "concurrency") is null && (jobs.Count == 0 || jobs.Any(j => Child(j.Job, "concurrency") is null)))
            problems.Add($"{name}: no concurrency group (for the workflow, or on every job).");

        CheckPins(name, text, problems);

        var workflowEnv = Child(root, "env") as YamlMappingNode;
        CheckEnv(name, "workflow env", workflowEnv, problems);
        if (HasSecret(workflowEnv))
            problems.Add($"{name}: secrets in the workflow env reach every step (npm ci, dotnet restore, ./build.sh run third-party code); put them in the env of the steps that run pulumi.");

        foreach (var (jobKey, job) in jobs)
        {
            var jobName = $"{name} job '{jobKey}'";
            var steps = Steps(job);
            if (HasSecret(Child(job, "env") as YamlMappingNode))
                problems.Add($"{jobName}: secrets in the job env reach every step (npm ci, dotnet restore, ./build.sh run third-party code); put them in the env of the steps that run pulumi.");
            foreach (var step in steps.Where(s => HasSecret(Child(s, "env") as YamlMappingNode) && !TouchesStack().IsMatch(Run(s))))
                problems.Add($"{jobName}: step '{StepName(step)}' gets a secret in its env but runs no pulumi.");
            foreach (var step in steps)
                foreach (var problem in CheckShell($"{jobName} step '{StepName(step)}'", Run(step)))
                    problems.Add(problem);
            CheckPackageBeforeProgram(jobName, steps, problems);
            var permissions = Child(job, "permissions") as YamlMappingNode;
            if (permissions is null)
                problems.Add($"{jobName}: no permissions block.");
            var idToken = permissions is not null && Scalar(Child(permissions, "id-token")) == "write";
            var logins = steps.Where(s => Scalar(Child(s, "uses"))?.StartsWith("azure/login@", StringComparison.OrdinalIgnoreCase) == true).ToList();
            if (logins.Count > 0 && !idToken)
                problems.Add($"{jobName}: azure/login (OIDC) needs permissions id-token: write.");
            if (logins.Count == 0 && idToken)
                problems.Add($"{jobName}: id-token: write without an Azure login; drop it.");
            if (logins.Count > 0)
            {
                // azure/login as late as possible: nothing that restores or builds (third-party code) after it.
                var first = steps.IndexOf(logins[0]);
                foreach (var step in steps.Skip(first + 1))
                    if (BuildCommand().IsMatch(Run(step)) || Uses(step).StartsWith("actions/setup-", StringComparison.OrdinalIgnoreCase))
                        problems.Add($"{jobName}: step '{StepName(step)}' builds or sets up after azure/login; build and package before signing in.");
            }
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
            var usesSecrets = HasSecret(workflowEnv) || HasSecret(Child(job, "env") as YamlMappingNode)
                || steps.Any(s => HasSecret(Child(s, "env") as YamlMappingNode) || HasSecret(Child(s, "with") as YamlMappingNode));
            if (pullRequestTriggered && (idToken || usesSecrets) && Scalar(Child(job, "if"))?.Contains(ForkGuard, StringComparison.Ordinal) != true)
                problems.Add($"{jobName}: runs on pull requests with cloud credentials but its 'if' lacks the fork guard ({ForkGuard}).");
        }
        if (pullRequestTriggered)
            CheckPullRequestStacks(name, root, jobs, problems);
        else
            CheckMainDeployments(name, root, triggers, jobs, problems);
        return problems;
    }

    /// <summary>Every remote action is pinned to the commit of a verified release (<see cref="VerifiedActions"/>), tag in a comment.</summary>
    public static void CheckPins(string name, string text, List<string> problems)
    {
        foreach (var line in text.Split('\n').Where(l => l.TrimStart().StartsWith("- uses:", StringComparison.Ordinal) || l.TrimStart().StartsWith("uses:", StringComparison.Ordinal)))
        {
            var action = line.Split("uses:", 2)[1].Split('#')[0].Trim();
            if (action.StartsWith("./", StringComparison.Ordinal)) continue;
            var comment = VersionComment().Match(line.TrimEnd());
            if (!PinnedAction().IsMatch(action))
                problems.Add($"{name}: '{action}' is not pinned to a full commit SHA.");
            else if (!comment.Success)
                problems.Add($"{name}: '{action}' has no '# vX.Y.Z' comment naming the tag it was taken from.");
            else
            {
                var (repo, sha) = (string.Join('/', action.Split('@')[0].Split('/').Take(2)), action.Split('@')[1]);
                if (!VerifiedActions.TryGetValue(repo, out var verified))
                    problems.Add($"{name}: '{repo}' is not in WorkflowRules.VerifiedActions (check its Node 24 release, SHA and tag in its repository, then add it).");
                else if (!string.Equals(sha, verified.Sha, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{name}: '{action}' is not the verified commit of {repo} {verified.Tag} ({verified.Sha}, {verified.Runtime}).");
                else if (comment.Groups["tag"].Value != verified.Tag)
                    problems.Add($"{name}: '{action}' says {comment.Groups["tag"].Value} but that commit is {repo} {verified.Tag}.");
            }
        }
    }

    /// <summary>
    /// A shell script's command results reach GITHUB_OUTPUT/GITHUB_ENV only through a variable (assigned under
    /// <c>set -e</c>, where a failing command substitution fails the assignment and so the step), never straight from
    /// inside echo's or printf's arguments.
    /// </summary>
    public static IReadOnlyList<string> CheckShell(string name, string script)
    {
        var problems = new List<string>();
        var joined = script.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (Match m in EchoedSubstitution().Matches(joined))
            problems.Add($"{name}: '{m.Value.Trim()}' writes a command's output from inside echo/printf: when the command fails the step still succeeds with an empty value; assign it to a variable under set -euo pipefail, check it, then write it.");
        foreach (Match m in RedirectedGroup().Matches(joined))
            if (EchoWithSubstitution().IsMatch(m.Groups["body"].Value))
                problems.Add($"{name}: a {{ ... }} group with echo/printf \"$(...)\" is appended to GITHUB_OUTPUT/GITHUB_ENV: a failing command inside it does not fail the step; assign to a variable first.");
        return problems;
    }

    /// <summary>The composite action: pinned, no swallowed outputs, secrets only where pulumi runs, the package checked before the program.</summary>
    public static IReadOnlyList<string> CheckAction(string name, string text)
    {
        var problems = new List<string>();
        CheckPins(name, text, problems);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var steps = (Child(Child(root, "runs"), "steps") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().ToList() ?? [];
        foreach (var step in steps)
        {
            foreach (var problem in CheckShell($"{name} step '{StepName(step)}'", Run(step)))
                problems.Add(problem);
            var env = Child(step, "env") as YamlMappingNode;
            var secretInputs = env?.Children.Where(kv => SecretName().IsMatch(Scalar(kv.Key) ?? "") && Scalar(kv.Value)?.Contains("inputs.", StringComparison.Ordinal) == true).ToList() ?? [];
            if ((HasSecret(env) || secretInputs.Count > 0) && !TouchesStack().IsMatch(Run(step)))
                problems.Add($"{name}: step '{StepName(step)}' gets a secret in its env but runs no pulumi.");
        }
        CheckPackageBeforeProgram(name, steps, problems);
        return problems;
    }

    /// <summary>Whether the same pull request's stack can be touched by two workflows: at most one touches PR stacks, or all share one concurrency group.</summary>
    public static IReadOnlyList<string> CheckPullRequestStacksAcross(IEnumerable<(string Name, string Text)> workflows)
    {
        var touching = new List<(string Name, string? Group)>();
        foreach (var (name, text) in workflows)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            var triggers = Child(root, "on");
            var pr = triggers is YamlMappingNode t && (Child(t, "pull_request") is not null || Child(t, "pull_request_target") is not null) || Scalar(triggers) == "pull_request";
            if (pr && Jobs(root).Any(j => TouchesPulumi(j.Job)))
                touching.Add((name, Scalar(Child(Child(root, "concurrency"), "group"))));
        }
        if (touching.Count > 1 && touching.Select(t => t.Group).Distinct().Count() > 1)
            return [$"{string.Join(", ", touching.Select(t => t.Name))} all touch pull request stacks with different concurrency groups ({string.Join(", ", touching.Select(t => t.Group ?? "none"))}): a preview and a deploy or destroy of one PR can run at the same time. Touch PR stacks from one workflow, or share one group named after the stack."];
        return [];
    }

    // Item 8 of issue 17: pulumi preview and up run the program, which needs out/functionapp.zip; destroy does not.
    private static void CheckPackageBeforeProgram(string where, List<YamlMappingNode> steps, List<string> problems)
    {
        bool Packages(YamlMappingNode s) => Run(s).Contains("./build.sh publish", StringComparison.Ordinal)
            || Run(s).Contains("out/functionapp.zip", StringComparison.Ordinal)
            || Uses(s).StartsWith("actions/download-artifact@", StringComparison.OrdinalIgnoreCase) && Scalar(Child(Child(s, "with"), "name")) == "functionapp";
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if ((RunsProgram().IsMatch(Run(step)) || Uses(step) == DeployStackAction) && !steps.Take(i).Any(Packages))
                problems.Add($"{where}: step '{StepName(step)}' runs the Pulumi program (preview/up) with no step before it that builds the package (./build.sh publish) or downloads it.");
        }
        if (steps.Any(s => Run(s).Contains("pulumi destroy", StringComparison.Ordinal)))
            foreach (var step in steps.Where(s => Packages(s) || BuildCommand().IsMatch(Run(s))))
                problems.Add($"{where}: step '{StepName(step)}' builds or fetches the package in a job that destroys: pulumi destroy does not run the program; a destroy must not depend on a build.");
    }

    // Item 5: a PR's stack is touched by one job at a time and a preview never creates it.
    private static void CheckPullRequestStacks(string name, YamlMappingNode root, List<(string Key, YamlMappingNode Job)> jobs, List<string> problems)
    {
        var touching = jobs.Where(j => TouchesPulumi(j.Job)).ToList();
        if (touching.Count == 0) return;
        var concurrency = Child(root, "concurrency");
        if (Scalar(Child(concurrency, "group"))?.Contains("github.event.pull_request.number", StringComparison.Ordinal) != true
            || Scalar(Child(concurrency, "cancel-in-progress")) != "false")
            problems.Add($"{name}: touches pull request stacks, so its concurrency group must be per pull request with cancel-in-progress: false (a run that touches the stack must never be cancelled half way, nor run beside another).");
        for (var a = 0; a < touching.Count; a++)
            for (var b = a + 1; b < touching.Count; b++)
            {
                var (ka, ja) = touching[a];
                var (kb, jb) = touching[b];
                if (Needs(jobs, ka).Contains(kb) || Needs(jobs, kb).Contains(ka) || Exclusive(ja, jb)) continue;
                problems.Add($"{name}: jobs '{ka}' and '{kb}' both touch the stack and may run at the same time (neither needs the other, and their 'if's do not exclude each other).");
            }
        foreach (var (key, job) in touching.Where(j => Steps(j.Job).Any(s => RunsPreview().IsMatch(Run(s)))))
        {
            foreach (var step in Steps(job))
            {
                var run = Run(step);
                if (run.Contains("pulumi stack init", StringComparison.Ordinal) || Regex.IsMatch(run, @"pulumi\s+stack\s+select\b[^\n]*--create|pulumi\s+stack\s+select\s+-c\b"))
                    problems.Add($"{name} job '{key}': step '{StepName(step)}' creates the stack in a job that previews: a preview after the PR closed would leave an empty stack.");
                if (run.Contains("pulumi-stack.sh", StringComparison.Ordinal) && !run.Contains("--no-create", StringComparison.Ordinal))
                    problems.Add($"{name} job '{key}': step '{StepName(step)}' calls pulumi-stack.sh without --no-create in a job that previews (it would create the stack).");
                if (Uses(step) == DeployStackAction)
                    problems.Add($"{name} job '{key}': deploys (creating the stack) in a job that previews; preview in a job of its own.");
                if (RunsPreview().IsMatch(run) && Scalar(Child(step, "if"))?.Contains("no-stack", StringComparison.Ordinal) != true)
                    problems.Add($"{name} job '{key}': step '{StepName(step)}' previews without checking the stack exists (its 'if' must skip 'no-stack', and another step say so).");
            }
        }
    }

    // Items 2 and 3: main is deployed only after the tests passed, with one concurrency group per environment.
    private static void CheckMainDeployments(string name, YamlMappingNode root, YamlNode? triggers, List<(string Key, YamlMappingNode Job)> jobs, List<string> problems)
    {
        var deploys = jobs.Where(j => Steps(j.Job).Any(s => Uses(s) == DeployStackAction || RunsUp().IsMatch(Run(s)))).ToList();
        if (deploys.Count == 0) return;
        if (Child(root, "concurrency") is not null)
            problems.Add($"{name}: a workflow-wide concurrency group keeps every later deployment (dev included) waiting behind one that waits for an approval; give each deploy job its environment's group.");
        foreach (var (key, job) in deploys)
        {
            var jobName = $"{name} job '{key}'";
            var environment = Scalar(Child(job, "environment")) ?? Scalar(Child(Child(job, "environment"), "name"));
            var concurrency = Child(job, "concurrency");
            if (environment is null)
                problems.Add($"{jobName}: deploys without a GitHub environment (its OIDC subject and its concurrency group are named after it).");
            else if (Scalar(Child(concurrency, "group"))?.Contains(environment, StringComparison.Ordinal) != true)
                problems.Add($"{jobName}: its concurrency group must be per environment (name '{environment}').");
            if (Scalar(Child(concurrency, "cancel-in-progress")) != "false")
                problems.Add($"{jobName}: a deployment's concurrency group needs cancel-in-progress: false (never cancel a pulumi up half way).");
        }

        var triggerNames = triggers is YamlMappingNode tm ? tm.Children.Keys.Select(Scalar).ToList() : [Scalar(triggers)];
        if (triggerNames.SequenceEqual(["workflow_run"]))
        {
            var run = Child(triggers, "workflow_run");
            var types = (Child(run, "types") as YamlSequenceNode)?.Children.Select(Scalar).ToList() ?? [];
            var workflows = (Child(run, "workflows") as YamlSequenceNode)?.Children.Select(Scalar).ToList() ?? [];
            if (!workflows.Contains("ci") || !types.SequenceEqual(["completed"]))
                problems.Add($"{name}: workflow_run must follow the tests: workflows: [ci], types: [completed].");
            foreach (var (key, job) in deploys)
            {
                var guarded = new[] { key }.Concat(Needs(jobs, key)).Any(k => Scalar(Child(jobs.FirstOrDefault(j => j.Key == k).Job, "if"))?.Contains("github.event.workflow_run.conclusion == 'success'", StringComparison.Ordinal) == true);
                if (!guarded)
                    problems.Add($"{name} job '{key}': deploys without checking that ci succeeded (github.event.workflow_run.conclusion == 'success' in its 'if' or a job it needs).");
                var checkout = Steps(job).FirstOrDefault(s => Uses(s).StartsWith("actions/checkout@", StringComparison.OrdinalIgnoreCase));
                if (Scalar(Child(Child(checkout, "with"), "ref"))?.Contains("github.event.workflow_run.head_sha", StringComparison.Ordinal) != true)
                    problems.Add($"{name} job '{key}': does not check out the commit ci tested (ref: ${{{{ github.event.workflow_run.head_sha }}}}).");
            }
        }
        else
        {
            foreach (var (key, _) in deploys)
                if (!Needs(jobs, key).Any(k => Steps(jobs.FirstOrDefault(j => j.Key == k).Job).Any(s => Run(s).Contains("./build.sh test", StringComparison.Ordinal))))
                    problems.Add($"{name} job '{key}': deploys on {string.Join('/', triggerNames)} without needing a job that ran the tests (./build.sh test); use needs, or workflow_run on ci's success.");
        }
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

    private static List<(string Key, YamlMappingNode Job)> Jobs(YamlMappingNode root) =>
        ((Child(root, "jobs") as YamlMappingNode)?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        .Where(kv => kv.Value is YamlMappingNode).Select(kv => (Scalar(kv.Key) ?? "", (YamlMappingNode)kv.Value)).ToList();

    private static List<YamlMappingNode> Steps(YamlNode job) => (Child(job, "steps") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().ToList() ?? [];

    private static string Run(YamlNode step) => Scalar(Child(step, "run")) ?? "";

    private static string Uses(YamlNode step) => Scalar(Child(step, "uses")) ?? "";

    private static string StepName(YamlNode step) => Scalar(Child(step, "name")) ?? Scalar(Child(step, "id")) ?? Uses(step);

    private static bool HasSecret(YamlMappingNode? map) =>
        map?.Children.Values.Any(v => Scalar(v)?.Contains("secrets.", StringComparison.Ordinal) == true) == true;

    private static bool TouchesPulumi(YamlNode job) => Steps(job).Any(s => TouchesStack().IsMatch(Run(s)) || Uses(s) == DeployStackAction);

    /// <summary>The jobs <paramref name="key"/> needs, directly or through others.</summary>
    private static HashSet<string> Needs(List<(string Key, YamlMappingNode Job)> jobs, string key)
    {
        var found = new HashSet<string>();
        var todo = new Stack<string>([key]);
        while (todo.Count > 0)
        {
            var current = todo.Pop();
            var job = jobs.FirstOrDefault(j => j.Key == current).Job;
            var needs = Child(job, "needs");
            foreach (var need in needs is YamlSequenceNode seq ? seq.Children.Select(Scalar) : [Scalar(needs)])
                if (need is not null && found.Add(need)) todo.Push(need);
        }
        return found;
    }

    private static bool Exclusive(YamlNode a, YamlNode b)
    {
        var (ia, ib) = (Scalar(Child(a, "if")) ?? "", Scalar(Child(b, "if")) ?? "");
        const string closed = "github.event.action == 'closed'", open = "github.event.action != 'closed'";
        return ia.Contains(closed, StringComparison.Ordinal) && ib.Contains(open, StringComparison.Ordinal)
            || ia.Contains(open, StringComparison.Ordinal) && ib.Contains(closed, StringComparison.Ordinal);
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;
}
