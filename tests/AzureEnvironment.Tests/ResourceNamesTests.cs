using System.Text.RegularExpressions;

namespace AzureEnvironment.Tests;

public sealed partial class ResourceNamesTests
{
    private static readonly string[] StackNames =
    [
        "dev", "prod", "pr-4711", "pr-1", "pr_1", "PR-1", "a", "x.y.z", "___", "-leading-and-trailing-", "Feature.Branch_With--Odd__Chars",
        new string('a', 100), "pr-" + new string('9', 97), string.Concat(Enumerable.Repeat("ab-", 33)) + "c", "0123456789",
    ];

    public static TheoryData<string> Stacks => [.. StackNames];

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Every_name_keeps_its_resource_types_rules(string stack)
    {
        var names = ResourceNames.For(stack);
        Assert.Matches(StorageAccount(), names.StorageAccount);
        Assert.InRange(names.StorageAccount.Length, 3, 24);
        AssertDashed(names.FunctionApp, 2, 60);
        AssertDashed(names.DataFactory, 3, 63);
        AssertDashed(names.HostingPlan, 1, 60);
        AssertDashed(names.LogAnalyticsWorkspace, 4, 63);
        AssertDashed(names.ResourceGroup, 1, 90);
        AssertDashed(names.ApplicationInsights, 1, 260);
        Assert.Matches(TaskHub(), names.TaskHub);
        Assert.InRange(names.TaskHub.Length, 3, 45);
        Assert.InRange(names.FunctionKeyReaderRole.Length, 1, 512);
        Assert.Matches(Container(), names.DeploymentContainer);
        Assert.Matches(Container(), names.LockContainer);
    }

    /// <summary>Letters, digits and single hyphens between them (the strictest of the dashed rules: Data Factory's).</summary>
    private static void AssertDashed(string name, int minimum, int maximum)
    {
        Assert.Matches(Dashed(), name);
        Assert.InRange(name.Length, minimum, maximum);
    }

    [Fact]
    public void Every_stack_gets_its_own_names_even_when_their_safe_forms_are_equal()
    {
        var all = StackNames.Select(s => ResourceNames.For(s)).ToList();
        foreach (var select in new Func<ResourceNames, string>[] { n => n.StorageAccount, n => n.FunctionApp, n => n.DataFactory, n => n.TaskHub, n => n.ResourceGroup, n => n.FunctionKeyReaderRole })
            Assert.Equal(all.Count, all.Select(select).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Names_are_stable_and_readable()
    {
        var names = ResourceNames.For("pr-4711");
        Assert.Equal(names, ResourceNames.For("pr-4711"));
        Assert.Equal($"func-exops-pr-4711-{names.Hash}", names.FunctionApp);
        Assert.Equal($"stexopspr4711{names.Hash}", names.StorageAccount);
        Assert.Equal($"ExOpspr4711{names.Hash}", names.TaskHub);
        // Pinned: a change here renames (replaces) every deployed stack's resources.
        Assert.Equal("8388a701", names.Hash);
    }

    [Fact]
    public void A_name_seed_changes_the_globally_unique_names() =>
        Assert.NotEqual(ResourceNames.For("dev").FunctionApp, ResourceNames.For("dev", "contoso").FunctionApp);

    [GeneratedRegex("^[a-z0-9]+$")]
    private static partial Regex StorageAccount();

    [GeneratedRegex("^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")]
    private static partial Regex Dashed();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]+$")]
    private static partial Regex TaskHub();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Container();
}
