using System.Collections.Immutable;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureEnvironment;
using Pulumi;
using Pulumi.Testing;

// Pulumi's TestAsync must not run in parallel (Deployment is process-wide).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Infra.Tests;

/// <summary>
/// The Pulumi program run under mocks (no Azure): which resources it declares for each plan, with which
/// inputs, against what the library derives for the same stack.
/// </summary>
public sealed class InfraStackTests : IDisposable
{
    // Azure ids are GUIDs; the library checks them (role assignment names, role definition ids, --subscription).
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-111122223333";
    private const string Deployer = "d0d0d0d0-0000-4000-8000-000000000001";
    private const string AppPrincipal = "a0a0a0a0-0000-4000-8000-000000000002";
    private const string FactoryPrincipal = "f0f0f0f0-0000-4000-8000-000000000003";
    private const string StorageToken = "storage-token-of-the-provider";

    private readonly string _package;

    public InfraStackTests()
    {
        _package = Path.Combine(Path.GetTempPath(), $"infra-tests-{Guid.NewGuid():N}.zip");
        using var archive = ZipFile.Open(_package, ZipArchiveMode.Create);
        using var writer = new StreamWriter(archive.CreateEntry("FunctionApp.dll").Open());
        writer.Write("app");
    }

    public void Dispose() => File.Delete(_package);

    private sealed class Mocks : IMocks
    {
        public List<MockResourceArgs> Resources { get; } = [];

        public Task<(string? id, object state)> NewResourceAsync(MockResourceArgs args)
        {
            lock (Resources)
                Resources.Add(args);
            var outputs = args.Inputs.ToBuilder();
            outputs["name"] = args.Inputs.TryGetValue("name", out var name) ? name : args.Name!;
            if (args.Type == "azure-native:web:WebApp")
            {
                outputs["defaultHostName"] = $"{args.Inputs["name"]}.azurewebsites.net";
                outputs["identity"] = ImmutableDictionary<string, object>.Empty.Add("principalId", AppPrincipal).Add("type", "SystemAssigned");
            }
            if (args.Type == "azure-native:datafactory:Factory")
                outputs["identity"] = ImmutableDictionary<string, object>.Empty.Add("principalId", FactoryPrincipal).Add("type", "SystemAssigned");
            if (args.Type == "azure-native:applicationinsights:Component")
                outputs["connectionString"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000";
            var id = $"/subscriptions/{Subscription}/resourceGroups/rg/providers/{args.Type}/{args.Name}";
            return Task.FromResult<(string?, object)>((id, outputs.ToImmutable()));
        }

        public Task<object> CallAsync(MockCallArgs args) =>
            Task.FromResult<object>(args.Token switch
            {
                "azure-native:authorization:getClientConfig" => ImmutableDictionary<string, object>.Empty
                    .Add("objectId", Deployer).Add("subscriptionId", Subscription).Add("tenantId", "tenant").Add("clientId", "client"),
                "azure-native:authorization:getClientToken" => ImmutableDictionary<string, object>.Empty.Add("token", StorageToken),
                _ => ImmutableDictionary<string, object>.Empty,
            });

        public IEnumerable<MockResourceArgs> OfType(string type) => Resources.Where(r => r.Type == type);
    }

    private Task<(Mocks Mocks, ImmutableArray<Resource> Resources)> RunAsync(string stack, params (string Key, string Value)[] config) =>
        RunAsync(stack, _package, isPreview: false, config);

    private static async Task<(Mocks Mocks, ImmutableArray<Resource> Resources)> RunAsync(string stack, string package, bool isPreview, params (string Key, string Value)[] config)
    {
        var values = new Dictionary<string, string> { ["azure-native:location"] = "westeurope", ["exclusive-operations:packagePath"] = package };
        foreach (var (key, value) in config)
            values[$"exclusive-operations:{key}"] = value;
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", JsonSerializer.Serialize(values));
        var mocks = new Mocks();
        var resources = await Deployment.TestAsync<ExclusiveOperationsStack>(mocks, new TestOptions { ProjectName = StackConfiguration.Project, StackName = stack, IsPreview = isPreview });
        return (mocks, resources);
    }

    private static StackEnvironment Expected(string stack, string package, params (string Key, string Value)[] config)
    {
        var values = config.ToDictionary(c => c.Key, c => c.Value);
        values["packagePath"] = package;
        values["azure-native:location"] = "westeurope";
        var root = Repository.Root;
        return StackEnvironment.Create(StackConfiguration.Parse(stack, values, root), Path.Combine(root, "pipelines", "generated", "pipeline"));
    }

    private static JsonNode? Json(object? value) => JsonSerializer.SerializeToNode(value);

    [Theory]
    [InlineData("flex")]
    [InlineData("premium")]
    public async Task The_resource_set_matches_the_plan_option(string plan)
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("pr-4711", ("plan", plan), ("pullRequest", "4711"), ("commit", "0123abc"));
        var types = mocks.Resources.GroupBy(r => r.Type!).ToDictionary(g => g.Key, g => g.Count());
        var located = mocks.Resources.Where(r => r.Inputs.ContainsKey("location")).ToList();
        Assert.True(located.Count >= 7, $"Only {located.Count} resources have a location.");
        foreach (var resource in located)
        {
            var tags = (ImmutableDictionary<string, object>)resource.Inputs["tags"];
            Assert.Equal("pr-4711", tags["stack"]);
            Assert.Equal("4711", tags["pullRequest"]);
            Assert.Equal("0123abc", tags["commit"]);
        }
        Assert.Equal(1, types["azure-native:resources:ResourceGroup"]);
        Assert.Equal(1, types["azure-native:storage:StorageAccount"]);
        Assert.Equal(1, types["azure-native:storage:ManagementPolicy"]);
        // The code is deployed by a command of pulumi up with Entra ID (the provider's Blob resource would need the account key).
        Assert.DoesNotContain("azure-native:storage:Blob", types.Keys);
        Assert.DoesNotContain("azure-native:resources:Resource", types.Keys);
        var commands = mocks.OfType("command:local:Command").ToDictionary(c => c.Name!, c => c.Inputs);
        var expected = Expected("pr-4711", _package, ("plan", plan), ("pullRequest", "4711"), ("commit", "0123abc"));
        var scripts = CodeDeployment.Scripts(expected, Subscription);
        // Elastic Premium uploads the package blob before the app (with the provider's storage token, not the Azure
        // CLI's) and deletes the old ones after it; Flex deploys with One Deploy after the app.
        Assert.Equal(plan == "premium" ? ["deploy-code", "package-upload"] : ["deploy-code"], commands.Keys.Order());
        Assert.Equal(scripts.AfterApp, commands["deploy-code"]["create"]);
        if (plan == "premium")
            Assert.Equal(scripts.BeforeApp, commands["package-upload"]["create"]);
        foreach (var command in commands.Values)
        {
            var variables = command.TryGetValue("environment", out var environment) ? (ImmutableDictionary<string, object>)environment : ImmutableDictionary<string, object>.Empty;
            string[] expectedVariables = plan == "premium" ? [CodeDeployment.StorageTokenVariable] : [];
            Assert.Equal(expectedVariables, variables.Keys);
            if (plan == "premium")
                Assert.Equal(StorageToken, variables[CodeDeployment.StorageTokenVariable]);
            Assert.Contains(expected.Package.ContentHash, ((IEnumerable<object>)command["triggers"]).Select(t => t.ToString()));
        }
        Assert.Equal(1, types["azure-native:web:AppServicePlan"]);
        Assert.Equal(1, types["azure-native:web:WebApp"]);
        Assert.Equal(1, types["azure-native:datafactory:Factory"]);
        Assert.Equal(1, types["azure-native:authorization:RoleDefinition"]);
        Assert.Equal(plan == "flex" ? 4 : 5, types["azure-native:authorization:RoleAssignment"]); // premium: the deployer uploads the package blob
        Assert.Equal(Directory.GetFiles(Path.Combine(Repository.Root, "pipelines", "generated", "pipeline"), "*.json").Length, types["azure-native:datafactory:Pipeline"]);
        var sku = (ImmutableDictionary<string, object>)mocks.OfType("azure-native:web:AppServicePlan").Single().Inputs["sku"];
        Assert.Equal(plan == "flex" ? "FC1" : "EP1", sku["name"]);
    }

    [Theory]
    [InlineData("flex")]
    [InlineData("premium")]
    public async Task Security_settings_and_identity_based_storage_hold(string plan)
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("dev", ("plan", plan));
        var storage = mocks.OfType("azure-native:storage:StorageAccount").Single().Inputs;
        Assert.Equal("StorageV2", storage["kind"]);
        Assert.Equal("TLS1_2", storage["minimumTlsVersion"]);
        Assert.Equal(true, storage["enableHttpsTrafficOnly"]);
        Assert.Equal(false, storage["allowBlobPublicAccess"]);
        Assert.Equal(false, storage["allowSharedKeyAccess"]);

        var app = mocks.OfType("azure-native:web:WebApp").Single().Inputs;
        Assert.Equal(true, app["httpsOnly"]);
        var siteConfig = (ImmutableDictionary<string, object>)app["siteConfig"];
        Assert.Equal("1.2", siteConfig["minTlsVersion"]);
        Assert.Equal("Disabled", siteConfig["ftpsState"]);
        var settings = ((IEnumerable<object>)siteConfig["appSettings"]).Cast<ImmutableDictionary<string, object>>().ToDictionary(s => (string)s["name"], s => (string)s["value"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.All(settings.Values, v => Assert.DoesNotContain("AccountKey", v, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal(Expected("dev", _package, ("plan", plan)).AppSettings("InstrumentationKey=00000000-0000-0000-0000-000000000000").Select(s => s.Name), settings.Keys);
        if (plan == "flex")
        {
            var deploymentStorage = (ImmutableDictionary<string, object>)((ImmutableDictionary<string, object>)((ImmutableDictionary<string, object>)app["functionAppConfig"])["deployment"])["storage"];
            Assert.Equal("blobContainer", deploymentStorage["type"]);
            Assert.Equal(Expected("dev", _package, ("plan", plan)).FunctionApp.Flex!.DeploymentContainerUrl, deploymentStorage["value"]);
            Assert.Equal("SystemAssignedIdentity", ((ImmutableDictionary<string, object>)deploymentStorage["authentication"])["type"]);
        }
        Assert.All(mocks.OfType("azure-native:web:WebAppFtpAllowed").Concat(mocks.OfType("azure-native:web:WebAppScmAllowed")), p => Assert.Equal(false, p.Inputs["allow"]));
    }

    [Fact]
    public async Task The_storage_lifecycle_policy_is_the_librarys()
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("dev");
        var expected = Expected("dev", _package).StorageLifecycle;
        var inputs = mocks.OfType("azure-native:storage:ManagementPolicy").Single().Inputs;
        Assert.Equal(expected.Name, inputs["managementPolicyName"]);
        var rules = ((IEnumerable<object>)((ImmutableDictionary<string, object>)inputs["policy"])["rules"]).Cast<ImmutableDictionary<string, object>>().ToList();
        Assert.Equal(expected.Rules.Count, rules.Count);
        foreach (var (spec, rule) in expected.Rules.Zip(rules))
        {
            Assert.Equal(spec.Name, rule["name"]);
            Assert.Equal(true, rule["enabled"]);
            Assert.Equal("Lifecycle", rule["type"]);
            var definition = (ImmutableDictionary<string, object>)rule["definition"];
            var filters = (ImmutableDictionary<string, object>)definition["filters"];
            Assert.Equal(spec.BlobTypes, ((IEnumerable<object>)filters["blobTypes"]).Cast<string>());
            Assert.Equal(spec.PrefixMatch, ((IEnumerable<object>)filters["prefixMatch"]).Cast<string>());
            var baseBlob = (ImmutableDictionary<string, object>)((ImmutableDictionary<string, object>)definition["actions"])["baseBlob"];
            Assert.Equal((double)spec.DaysAfterModificationGreaterThan, Convert.ToDouble(((ImmutableDictionary<string, object>)baseBlob["delete"])["daysAfterModificationGreaterThan"], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_preview_runs_without_the_package_and_its_code_deployment_says_so()
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("dev", Path.Combine(Path.GetTempPath(), $"not-built-{Guid.NewGuid():N}.zip"), isPreview: true);
        var deployCode = mocks.OfType("command:local:Command").Single(c => c.Name == "deploy-code").Inputs;
        Assert.Contains(StackEnvironment.PackageNotBuilt, ((IEnumerable<object>)deployCode["triggers"]).Select(t => t.ToString()));
    }

    /// <summary>Mocks see inputs unwrapped (no secretness), so the program's secret wrapping is checked where it is made.</summary>
    [Fact]
    public async Task The_app_settings_are_secret()
    {
        var environment = Expected("dev", _package);
        var secret = false;
        await Deployment.TestAsync(new Mocks(), new TestOptions { IsPreview = false }, async () =>
            secret = await Output.IsSecretAsync(ExclusiveOperationsStack.SecretAppSettings(environment, Output.Create("InstrumentationKey=secret"))));
        Assert.True(secret);
    }

    [Theory]
    [InlineData("flex")]
    [InlineData("premium")]
    public async Task Role_assignments_are_the_librarys(string plan)
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("dev", ("plan", plan));
        var expected = Expected("dev", _package, ("plan", plan)).RoleAssignments;
        var assignments = mocks.OfType("azure-native:authorization:RoleAssignment").ToList();
        Assert.Equal(expected.Select(e => e.Key).Order(), assignments.Select(a => a.Name!).Order());
        foreach (var spec in expected)
        {
            var inputs = assignments.Single(a => a.Name == spec.Key).Inputs;
            var principal = spec.Principal switch { Principal.FunctionApp => AppPrincipal, Principal.DataFactory => FactoryPrincipal, _ => Deployer };
            Assert.Equal(principal, inputs["principalId"]);
            // The subscription form, the custom role's too; the name from scope, principal and role.
            Assert.Equal(RoleIds.Definition(Subscription, spec.RoleDefinitionId), inputs["roleDefinitionId"]);
            Assert.Equal(RoleIds.AssignmentName((string)inputs["scope"], principal, (string)inputs["roleDefinitionId"]), inputs["roleAssignmentName"]);
        }
        var role = mocks.OfType("azure-native:authorization:RoleDefinition").Single().Inputs;
        var permissions = ((IEnumerable<object>)role["permissions"]).Cast<ImmutableDictionary<string, object>>().Single();
        Assert.Equal([Roles.ListFunctionKeysAction], ((IEnumerable<object>)permissions["actions"]).Cast<string>());
    }

    [Fact]
    public async Task Pipelines_equal_the_generated_json_after_conversion()
    {
        Directory.SetCurrentDirectory(Repository.Root);
        var (mocks, _) = await RunAsync("pr-4711");
        var environment = Expected("pr-4711", _package);
        var app = mocks.OfType("azure-native:web:WebApp").Single();
        var expected = environment.Pipelines($"https://{environment.Names.FunctionApp}.azurewebsites.net", $"/subscriptions/{Subscription}/resourceGroups/rg/providers/azure-native:web:WebApp/{app.Name}");
        foreach (var pipeline in expected)
        {
            var inputs = mocks.OfType("azure-native:datafactory:Pipeline").Single(p => (string)p.Inputs["pipelineName"] == pipeline.Name).Inputs;
            Assert.True(JsonNode.DeepEquals(Json(pipeline.Activities), Json(inputs["activities"])), $"{pipeline.Name}: activities differ");
            foreach (var (name, parameter) in pipeline.Parameters)
            {
                var actual = (ImmutableDictionary<string, object>)((ImmutableDictionary<string, object>)inputs["parameters"])[name];
                Assert.Equal(parameter.Type, actual["type"]);
                Assert.True(JsonNode.DeepEquals(Json(parameter.DefaultValue), Json(actual.GetValueOrDefault("defaultValue"))), $"{pipeline.Name}.{name}: default differs");
            }
        }
    }
}
