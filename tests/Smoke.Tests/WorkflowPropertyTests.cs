namespace Smoke.Tests;

/// <summary>The repository's workflows keep their security properties; and each rule does catch what it is for.</summary>
public sealed class WorkflowPropertyTests
{
    private static readonly string Workflows = Path.Combine(RepositoryRoot(), ".github", "workflows");

    private static readonly string[] Files = ["ci.yml", "deploy.yml", "pr-environment.yml"];

    public static TheoryData<string> WorkflowFiles() => [.. Files];

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public void The_workflow_is_pinned_least_privilege_OIDC_only_and_guarded_against_forks(string file)
    {
        var problems = WorkflowRules.Check(file, File.ReadAllText(Path.Combine(Workflows, file)));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_workflow_in_the_folder_is_checked()
    {
        var present = Directory.GetFiles(Workflows).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(Files.Order(), present);
    }

    [Fact]
    public void The_pull_request_environment_is_destroyed_and_removed_on_close_even_after_failures()
    {
        var problems = WorkflowRules.CheckDestroyOnClose("pr-environment.yml", File.ReadAllText(Path.Combine(Workflows, "pr-environment.yml")));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    // Each rule must be able to fail: the same checks on workflows that break them.
    private const string Good = """
        name: sample
        on:
          pull_request:
            types: [opened, synchronize, reopened, closed]
        permissions: {}
        concurrency:
          group: sample-${{ github.event.pull_request.number }}
          cancel-in-progress: false
        env:
          ARM_USE_OIDC: "true"
          ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}
          ARM_TENANT_ID: ${{ vars.AZURE_TENANT_ID }}
          ARM_SUBSCRIPTION_ID: ${{ vars.AZURE_SUBSCRIPTION_ID }}
          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}
        jobs:
          destroy:
            if: github.event.action == 'closed' && github.event.pull_request.head.repo.full_name == github.repository
            runs-on: ubuntu-24.04
            permissions:
              contents: read
              id-token: write
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              - uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5 # v2.3.0
                with:
                  client-id: ${{ vars.AZURE_CLIENT_ID }}
                  tenant-id: ${{ vars.AZURE_TENANT_ID }}
                  subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
              - name: destroy
                if: always()
                run: pulumi destroy --yes
              - name: remove
                if: always() && steps.destroy.outcome == 'success'
                run: pulumi stack rm --yes
        """;

    [Fact]
    public void The_sample_passes_every_rule()
    {
        Assert.Empty(WorkflowRules.Check("sample", Good));
        Assert.Empty(WorkflowRules.CheckDestroyOnClose("sample", Good));
    }

    [Theory]
    [InlineData("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4", "not pinned to a full commit SHA")]
    [InlineData("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "has no '# vX.Y.Z' comment")]
    [InlineData("permissions: {}", "permissions: write-all", "top-level permissions must be {}")]
    [InlineData("      id-token: write\n", "", "needs permissions id-token: write")]
    [InlineData("client-id: ${{ vars.AZURE_CLIENT_ID }}", "client-id: 00000000-0000-0000-0000-000000000000", "'client-id' must come from a repository variable")]
    [InlineData("subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}", "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}", "'client-secret' is a stored credential")]
    [InlineData("PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}", "PULUMI_ACCESS_TOKEN: pul-0123456789abcdef", "'PULUMI_ACCESS_TOKEN' must be ${{ secrets.X }}")]
    [InlineData("ARM_USE_OIDC: \"true\"", "ARM_USE_OIDC: \"false\"", "needs ARM_USE_OIDC")]
    [InlineData(" && github.event.pull_request.head.repo.full_name == github.repository", "", "lacks the fork guard")]
    [InlineData("concurrency:\n  group: sample-${{ github.event.pull_request.number }}\n  cancel-in-progress: false\n", "", "no concurrency group")]
    [InlineData("  pull_request:\n", "  pull_request_target:\n", "pull_request_target")]
    public void A_broken_rule_is_reported(string part, string replacement, string expected)
    {
        Assert.Contains(part, Good);
        var problems = WorkflowRules.Check("sample", Good.Replace(part, replacement));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("- name: destroy\n        if: always()\n", "- name: destroy\n", "'pulumi destroy' step does not run after earlier failures")]
    [InlineData("if: always() && steps.destroy.outcome == 'success'", "if: success()", "'pulumi stack rm' step does not run after earlier failures")]
    [InlineData("types: [opened, synchronize, reopened, closed]", "types: [opened, synchronize, reopened]", "not triggered when a pull request closes")]
    [InlineData("cancel-in-progress: false", "cancel-in-progress: true", "cancel-in-progress must be false")]
    [InlineData("run: pulumi stack rm --yes", "run: echo keep", "runs 'pulumi stack rm'")]
    public void A_broken_destroy_on_close_is_reported(string part, string replacement, string expected)
    {
        Assert.Contains(part, Good);
        var problems = WorkflowRules.CheckDestroyOnClose("sample", Good.Replace(part, replacement));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No Infra.sln above {AppContext.BaseDirectory}.");
    }
}
