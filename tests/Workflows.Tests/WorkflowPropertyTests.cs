namespace Workflows.Tests;

/// <summary>The repository's workflows keep their security properties; and each rule does catch what it is for.</summary>
public sealed class WorkflowPropertyTests
{
    private static readonly string Workflows = Path.Combine(Repository.Root, ".github", "workflows");

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

    [Fact]
    public void The_composite_action_is_pinned_keeps_its_secrets_to_pulumi_steps_and_checks_the_package()
    {
        var path = Path.Combine(Repository.Root, ".github", "actions", "deploy-stack", "action.yml");
        var problems = WorkflowRules.CheckAction("deploy-stack", File.ReadAllText(path));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void No_script_the_workflows_run_writes_a_command_output_from_inside_echo()
    {
        var scripts = Directory.GetFiles(Path.Combine(Repository.Root, ".github", "scripts"), "*.sh");
        Assert.NotEmpty(scripts);
        var problems = scripts.SelectMany(f => WorkflowRules.CheckShell(Path.GetFileName(f), File.ReadAllText(f))).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Only_one_workflow_touches_pull_request_stacks()
    {
        var problems = WorkflowRules.CheckPullRequestStacksAcross(Files.Select(f => (f, File.ReadAllText(Path.Combine(Workflows, f)))));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_verified_actions_are_full_SHAs_of_Node_24_releases()
    {
        foreach (var (action, verified) in WorkflowRules.VerifiedActions)
        {
            Assert.Matches("^[0-9a-f]{40}$", verified.Sha);
            Assert.Matches(@"^v\d+\.\d+\.\d+$", verified.Tag);
            Assert.True(verified.Runtime == "node24", $"{action} {verified.Tag} runs on {verified.Runtime}");
        }
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
        jobs:
          preview:
            if: github.event.action != 'closed' && github.event.pull_request.head.repo.full_name == github.repository
            runs-on: ubuntu-24.04
            permissions:
              contents: read
              id-token: write
            steps:
              - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
              - name: package
                run: ./build.sh publish
              - uses: azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1
                with:
                  client-id: ${{ vars.AZURE_CLIENT_ID }}
                  tenant-id: ${{ vars.AZURE_TENANT_ID }}
                  subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
              - name: find
                id: stack
                env:
                  PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}
                run: |
                  set -euo pipefail
                  name=$(.github/scripts/pulumi-stack.sh pr-1 --no-create)
                  echo "name=$name" >> "$GITHUB_OUTPUT"
              - name: preview
                if: steps.stack.outputs.name != 'no-stack'
                run: pulumi preview --stack pr-1
          destroy:
            if: github.event.action == 'closed' && github.event.pull_request.head.repo.full_name == github.repository
            runs-on: ubuntu-24.04
            permissions:
              contents: read
              id-token: write
            steps:
              - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
              - uses: azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1
                with:
                  client-id: ${{ vars.AZURE_CLIENT_ID }}
                  tenant-id: ${{ vars.AZURE_TENANT_ID }}
                  subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
              - name: destroy
                if: always()
                env:
                  PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}
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
        Assert.Empty(WorkflowRules.Check("deploy sample", GoodDeploy));
        Assert.Empty(WorkflowRules.CheckAction("action sample", GoodAction));
    }

    [Theory]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7", "not pinned to a full commit SHA")]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "has no '# vX.Y.Z' comment")]
    // The Node 20 release the workflows used before, and a tag comment that does not name the pinned commit.
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "is not the verified commit of actions/checkout v7.0.1")]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.0", "says v7.0.0 but that commit is actions/checkout v7.0.1")]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "someone/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "'someone/checkout' is not in WorkflowRules.VerifiedActions")]
    [InlineData("permissions: {}", "permissions: write-all", "top-level permissions must be {}")]
    [InlineData("      id-token: write\n", "", "needs permissions id-token: write")]
    [InlineData("client-id: ${{ vars.AZURE_CLIENT_ID }}", "client-id: 00000000-0000-0000-0000-000000000000", "'client-id' must come from a repository variable")]
    [InlineData("subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}", "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}", "'client-secret' is a stored credential")]
    [InlineData("PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}", "PULUMI_ACCESS_TOKEN: pul-0123456789abcdef", "'PULUMI_ACCESS_TOKEN' must be ${{ secrets.X }}")]
    [InlineData("ARM_USE_OIDC: \"true\"", "ARM_USE_OIDC: \"false\"", "needs ARM_USE_OIDC")]
    [InlineData(" && github.event.pull_request.head.repo.full_name == github.repository", "", "lacks the fork guard")]
    [InlineData("concurrency:\n  group: sample-${{ github.event.pull_request.number }}\n  cancel-in-progress: false\n", "", "no concurrency group")]
    [InlineData("  pull_request:\n", "  pull_request_target:\n", "pull_request_target")]
    // 1. A command's failure swallowed on its way to GITHUB_OUTPUT.
    [InlineData("name=$(.github/scripts/pulumi-stack.sh pr-1 --no-create)\n          echo \"name=$name\" >> \"$GITHUB_OUTPUT\"", "echo \"name=$(.github/scripts/pulumi-stack.sh pr-1 --no-create)\" >> \"$GITHUB_OUTPUT\"", "writes a command's output from inside echo/printf")]
    // 4. Secrets workflow- or job-wide, in a step that runs no pulumi, and a build after azure/login.
    [InlineData("  ARM_USE_OIDC: \"true\"\n", "  ARM_USE_OIDC: \"true\"\n  PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n", "secrets in the workflow env")]
    [InlineData("    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - name: package", "    runs-on: ubuntu-24.04\n    env:\n      PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - name: package", "secrets in the job env")]
    [InlineData("      - name: package\n        run: ./build.sh publish\n", "      - name: package\n        env:\n          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n        run: ./build.sh publish\n", "step 'package' gets a secret in its env but runs no pulumi")]
    [InlineData("run: pulumi preview --stack pr-1", "run: ./build.sh build && pulumi preview --stack pr-1", "builds or sets up after azure/login")]
    // 5. A preview that creates the stack, or previews one that may not exist, or runs beside the destroy.
    [InlineData("pulumi-stack.sh pr-1 --no-create", "pulumi-stack.sh pr-1", "without --no-create in a job that previews")]
    [InlineData("run: pulumi preview --stack pr-1", "run: pulumi stack select --create pr-1 && pulumi preview --stack pr-1", "creates the stack in a job that previews")]
    [InlineData("        if: steps.stack.outputs.name != 'no-stack'\n", "", "previews without checking the stack exists")]
    [InlineData("if: github.event.action != 'closed' && ", "if: ", "may run at the same time")]
    [InlineData("cancel-in-progress: false", "cancel-in-progress: true", "its concurrency group must be per pull request with cancel-in-progress: false")]
    // 8. The program runs without the package; a destroy that depends on a build.
    [InlineData("      - name: package\n        run: ./build.sh publish\n", "", "runs the Pulumi program (preview/up) with no step before it that builds the package")]
    [InlineData("      - name: destroy\n", "      - name: package\n        run: ./build.sh publish\n      - name: destroy\n", "a destroy must not depend on a build")]
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

    // Main is deployed after ci succeeded on the commit it tested, one concurrency group per environment.
    private const string GoodDeploy = """
        name: deploy
        on:
          workflow_run:
            workflows: [ci]
            types: [completed]
            branches: [main]
        permissions: {}
        env:
          ARM_USE_OIDC: "true"
          ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}
          ARM_TENANT_ID: ${{ vars.AZURE_TENANT_ID }}
          ARM_SUBSCRIPTION_ID: ${{ vars.AZURE_SUBSCRIPTION_ID }}
        jobs:
          dev:
            if: github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push'
            runs-on: ubuntu-24.04
            environment: dev
            concurrency:
              group: deploy-dev
              cancel-in-progress: false
            permissions:
              contents: read
              id-token: write
            steps:
              - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
                with:
                  ref: ${{ github.event.workflow_run.head_sha }}
              - run: ./build.sh publish
              - uses: azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1
                with:
                  client-id: ${{ vars.AZURE_CLIENT_ID }}
                  tenant-id: ${{ vars.AZURE_TENANT_ID }}
                  subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
              - uses: ./.github/actions/deploy-stack
                with:
                  stack: dev
                  pulumi-access-token: ${{ secrets.PULUMI_ACCESS_TOKEN }}
          prod:
            needs: dev
            runs-on: ubuntu-24.04
            environment: prod
            concurrency:
              group: deploy-prod
              cancel-in-progress: false
            permissions:
              contents: read
              id-token: write
            steps:
              - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
                with:
                  ref: ${{ github.event.workflow_run.head_sha }}
              - run: ./build.sh publish
              - uses: azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1
                with:
                  client-id: ${{ vars.AZURE_CLIENT_ID }}
                  tenant-id: ${{ vars.AZURE_TENANT_ID }}
                  subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
              - uses: ./.github/actions/deploy-stack
                with:
                  stack: prod
                  pulumi-access-token: ${{ secrets.PULUMI_ACCESS_TOKEN }}
        """;

    [Theory]
    // 2. One workflow-wide group (every later push waits behind a prod approval); a group not per environment.
    [InlineData("permissions: {}\n", "permissions: {}\nconcurrency:\n  group: deploy-main\n  cancel-in-progress: false\n", "a workflow-wide concurrency group keeps every later deployment")]
    [InlineData("group: deploy-prod", "group: deploy-main", "its concurrency group must be per environment (name 'prod')")]
    [InlineData("cancel-in-progress: false", "cancel-in-progress: true", "needs cancel-in-progress: false")]
    [InlineData("    environment: dev\n", "", "deploys without a GitHub environment")]
    // 3. Deployed without the tests: any ci outcome, another commit than the tested one, a plain push trigger.
    [InlineData("github.event.workflow_run.conclusion == 'success' && ", "", "deploys without checking that ci succeeded")]
    [InlineData("types: [completed]", "types: [requested]", "workflow_run must follow the tests")]
    [InlineData("          ref: ${{ github.event.workflow_run.head_sha }}\n", "          ref: main\n", "does not check out the commit ci tested")]
    [InlineData("  workflow_run:\n    workflows: [ci]\n    types: [completed]\n    branches: [main]\n", "  push:\n    branches: [main]\n", "without needing a job that ran the tests")]
    // 8. pulumi up without the package.
    [InlineData("      - run: ./build.sh publish\n", "", "with no step before it that builds the package")]
    public void A_broken_deployment_of_main_is_reported(string part, string replacement, string expected)
    {
        Assert.Contains(part, GoodDeploy);
        var problems = WorkflowRules.Check("deploy sample", GoodDeploy.Replace(part, replacement));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Main_deployed_in_the_same_workflow_as_the_tests_passes_when_it_needs_them()
    {
        var sameWorkflow = GoodDeploy
            .Replace("  workflow_run:\n    workflows: [ci]\n    types: [completed]\n    branches: [main]\n", "  push:\n    branches: [main]\n", StringComparison.Ordinal)
            .Replace("jobs:\n", "jobs:\n  test:\n    runs-on: ubuntu-24.04\n    concurrency: test-${{ github.sha }}\n    permissions:\n      contents: read\n    steps:\n      - run: ./build.sh test\n", StringComparison.Ordinal)
            .Replace("    if: github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push'\n", "    needs: test\n", StringComparison.Ordinal);
        Assert.Empty(WorkflowRules.Check("same workflow", sameWorkflow));
    }

    private const string GoodAction = """
        name: sample
        inputs:
          pulumi-access-token:
            default: ""
        runs:
          using: composite
          steps:
            - name: package there
              shell: bash
              run: test -f out/functionapp.zip
            - name: up
              shell: bash
              env:
                PULUMI_ACCESS_TOKEN: ${{ inputs.pulumi-access-token }}
              run: |
                set -euo pipefail
                name=$(.github/scripts/pulumi-stack.sh dev)
                pulumi up --stack "$name" --yes
            - name: smoke
              shell: bash
              run: ./build.sh smoke
        """;

    [Theory]
    [InlineData("    - name: package there\n      shell: bash\n      run: test -f out/functionapp.zip\n", "", "runs the Pulumi program (preview/up) with no step before it")]
    [InlineData("      run: ./build.sh smoke", "      env:\n        PULUMI_ACCESS_TOKEN: ${{ inputs.pulumi-access-token }}\n      run: ./build.sh smoke", "step 'smoke' gets a secret in its env but runs no pulumi")]
    [InlineData("      run: ./build.sh smoke", "      run: echo \"name=$(.github/scripts/pulumi-stack.sh dev)\" >> $GITHUB_OUTPUT", "writes a command's output from inside echo/printf")]
    [InlineData("      run: ./build.sh smoke", "      uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5 # v2.3.0", "is not the verified commit of azure/login v3.0.1")]
    public void A_broken_composite_action_is_reported(string part, string replacement, string expected)
    {
        Assert.Contains(part, GoodAction);
        var problems = WorkflowRules.CheckAction("action sample", GoodAction.Replace(part, replacement));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("echo \"name=$(pulumi stack --show-name)\" >> \"$GITHUB_OUTPUT\"")]
    [InlineData("echo \"name=`pulumi stack --show-name`\" >> $GITHUB_OUTPUT")]
    [InlineData("printf 'STACK=%s\\n' \"$(pulumi stack --show-name)\" >> \"${GITHUB_ENV}\"")]
    [InlineData("set -e; x=1 && echo \"name=$(./stack.sh \\\n  pr-1)\" >> \"$GITHUB_OUTPUT\"")]
    [InlineData("{\n  echo \"name=$(./stack.sh)\"\n  echo \"sha=${GITHUB_SHA::7}\"\n} >> \"$GITHUB_OUTPUT\"")]
    public void An_output_written_from_a_command_substitution_is_reported(string script) =>
        Assert.NotEmpty(WorkflowRules.CheckShell("script", script));

    [Theory]
    [InlineData("set -euo pipefail\nname=$(pulumi stack --show-name)\n[ -n \"$name\" ] || exit 1\necho \"name=$name\" >> \"$GITHUB_OUTPUT\"")]
    [InlineData("echo \"count=$((1 + 2))\" >> \"$GITHUB_OUTPUT\"")]
    [InlineData("{ echo \"### Stack\"; cat out.json; } >> \"$GITHUB_STEP_SUMMARY\"")]
    [InlineData("echo \"x=$(date)\" > \"$RUNNER_TEMP/file\"")]
    public void An_output_written_through_a_variable_is_not_reported(string script) =>
        Assert.Empty(WorkflowRules.CheckShell("script", script));

    [Fact]
    public void Two_workflows_touching_pull_request_stacks_with_their_own_groups_are_reported()
    {
        var other = Good.Replace("group: sample-", "group: other-", StringComparison.Ordinal);
        Assert.NotEmpty(WorkflowRules.CheckPullRequestStacksAcross([("a.yml", Good), ("b.yml", other)]));
        Assert.Empty(WorkflowRules.CheckPullRequestStacksAcross([("a.yml", Good), ("b.yml", Good)]));
    }
}
