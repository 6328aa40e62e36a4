
namespace AzureEnvironment.Tests;

public sealed class StackConfigurationTests
{
    private static StackSettings Parse(string stack, params (string Key, string Value)[] config) =>
        StackConfiguration.Parse(stack, config.ToDictionary(c => c.Key, c => c.Value), "/repo");

    private static string Error(string stack, params (string Key, string Value)[] config) =>
        Assert.Throws<StackConfigurationException>(() => Parse(stack, config)).Message;

    [Fact]
    public void Defaults_are_flex_with_the_repositorys_package()
    {
        var settings = Parse("dev");
        Assert.Equal(HostingPlan.Flex, settings.Plan);
        Assert.Equal(40, settings.MaximumInstances);
        Assert.Equal(0, settings.AlwaysReadyInstances);
        Assert.Equal(2048, settings.InstanceMemoryMB);
        Assert.Equal(30, settings.LogRetentionDays);
        Assert.Null(settings.Location);
        Assert.Null(settings.PullRequest);
        Assert.Equal(Path.GetFullPath("/repo/out/functionapp.zip"), settings.PackagePath);
    }

    [Fact]
    public void Keys_are_read_with_or_without_the_project_namespace()
    {
        var settings = Parse("pr-4711",
            ("exclusive-operations:plan", "premium"), ("premiumSku", "ep2"), ("maximumInstances", "10"), ("minimumInstances", "2"),
            ("exclusive-operations:preWarmedInstances", "3"), ("pullRequest", "4711"), ("commit", "ABCDEF1"), ("azure-native:location", "westeurope"),
            ("packagePath", "build/app.zip"));
        Assert.Equal(HostingPlan.Premium, settings.Plan);
        Assert.Equal("EP2", settings.PremiumSku);
        Assert.Equal(10, settings.MaximumInstances);
        Assert.Equal(2, settings.MinimumInstances);
        Assert.Equal(3, settings.PreWarmedInstances);
        Assert.Equal(4711, settings.PullRequest);
        Assert.Equal("abcdef1", settings.Commit);
        Assert.Equal("westeurope", settings.Location);
        Assert.Equal(Path.GetFullPath("/repo/build/app.zip"), settings.PackagePath);
    }

    [Fact]
    public void An_unknown_key_is_named_with_the_known_ones()
    {
        var message = Error("dev", ("maxInstances", "5"));
        Assert.Contains("'maxInstances'", message);
        Assert.Contains("exclusive-operations:maximumInstances", message);
    }

    [Theory]
    [InlineData("plan", "consumption", "allowed: flex, premium")]
    [InlineData("maximumInstances", "0", "from 1 to 1000")]
    [InlineData("maximumInstances", "ten", "from 1 to 1000")]
    [InlineData("instanceMemoryMB", "1024", "allowed: 512, 2048, 4096")]
    [InlineData("alwaysReadyInstances", "41", "from 0 to 40")]
    [InlineData("logRetentionDays", "7", "from 30 to 730")]
    [InlineData("pullRequest", "-3", "pull request number")]
    [InlineData("commit", "main", "7-40 hex digits")]
    [InlineData("dataContainers", "Sales", "not a blob container name")]
    [InlineData("dataContainers", "ok-one,a--b", "not a blob container name")]
    [InlineData("dataContainers", "sales,exclusive-operation-locks", "is a container the app itself uses")]
    [InlineData("dataContainers", "azure-webjobs-hosts", "is a container the app itself uses")]
    public void A_bad_value_names_key_value_and_what_is_allowed(string key, string value, string allowed)
    {
        var message = Error("dev", (key, value));
        Assert.Contains($"'exclusive-operations:{key}'", message);
        Assert.Contains($"'{value}'", message);
        Assert.Contains(allowed, message);
    }

    [Fact]
    public void A_key_of_the_other_plan_is_refused()
    {
        Assert.Contains("applies only to plan 'premium', but this stack's plan is 'flex'", Error("dev", ("premiumSku", "EP1")));
        Assert.Contains("applies only to plan 'flex', but this stack's plan is 'premium'", Error("dev", ("plan", "premium"), ("instanceMemoryMB", "512")));
    }

    [Fact]
    public void A_pull_request_number_that_contradicts_the_stack_name_is_refused() =>
        Assert.Contains("named for pull request 4711", Error("pr-4711", ("pullRequest", "4712")));

    [Theory]
    [InlineData("")]
    [InlineData("my stack")]
    [InlineData("stack/with/slash")]
    [InlineData("naïve")]
    public void A_stack_name_pulumi_does_not_allow_is_refused(string stack) =>
        Assert.Contains("is not allowed", Error(stack));

    [Fact]
    public void An_empty_location_is_refused() =>
        Assert.Contains("'azure-native:location' is empty", Error("dev", ("azure-native:location", " ")));

    [Fact]
    public void The_readme_lists_every_key_with_its_default_and_meaning()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "docs", "deploy-azure.md"));
        foreach (var key in StackConfiguration.Keys)
            Assert.Contains($"| `{StackConfiguration.Project}:{key.Name}` | {key.Default} | {key.Meaning} |", readme);
        Assert.Contains($"| `{StackConfiguration.LocationKey}` |", readme);
    }

    [Fact]
    public void Data_containers_become_the_apps_allow_list_and_none_means_none()
    {
        var none = Parse("dev");
        Assert.Empty(none.DataContainers);
        Assert.Equal(["sales", "staging-2026"], Parse("dev", ("dataContainers", " sales , staging-2026,sales")).DataContainers);
    }
}
