using System.Diagnostics;
using System.Text.Json.Nodes;
using ExclusiveOperations.Locking;

namespace AzureEnvironment.Tests;

/// <summary>
/// <c>infra plan</c>'s ARM template: run as the tool is run, checked against Azure's resource schemas offline
/// with Bicep (<c>bicep decompile</c> reports properties a resource type does not allow), and its security
/// settings checked for every plan option.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class InfraPlanTests : IDisposable
{

    private readonly string _folder = Directory.CreateTempSubdirectory("infra-plan-").FullName;
    private readonly string _package;

    public InfraPlanTests() =>
        _package = TestFiles.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(50), ("FunctionApp.dll", "app"), ("host.json", "{}"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string> StacksAndPlans => new()
    {
        { "dev", "flex" }, { "pr-4711", "flex" }, { "dev", "premium" }, { "pr-4711", "premium" },
    };

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "InfraPlan.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task<JsonObject> PlanAsync(string stack, params string[] config)
    {
        var arguments = new List<string> { "plan", "--stack", stack, "--config", $"packagePath={_package}" };
        foreach (var pair in config)
            arguments.AddRange(["--config", pair]);
        var (exitCode, stdout, stderr) = await RunAsync([.. arguments]);
        Assert.True(exitCode == 0, $"infra plan failed ({exitCode}): {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template, string type) =>
        template["resources"]!.AsArray().Select(r => r!.AsObject()).Where(r => r["type"]!.GetValue<string>() == type);

    [Theory]
    [MemberData(nameof(StacksAndPlans))]
    public async Task The_template_has_no_schema_diagnostics(string stack, string plan)
    {
        var template = await PlanAsync(stack, $"plan={plan}", "azure-native:location=westeurope");
        var diagnostics = await BicepSchemaCheck.DiagnosticsAsync(template);
        Assert.True(diagnostics.Count == 0, "Schema diagnostics:\n" + string.Join('\n', diagnostics));
    }

    [Fact]
    public async Task A_misspelled_property_is_caught()
    {
        var template = await PlanAsync("dev");
        var storage = Resources(template, "Microsoft.Storage/storageAccounts").Single();
        storage["properties"]!["allowSharedKeyAcess"] = false;
        var diagnostic = Assert.Single(await BicepSchemaCheck.DiagnosticsAsync(template));
        Assert.Contains("BCP037", diagnostic);
        Assert.Contains("allowSharedKeyAcess", diagnostic);
    }

    [Theory]
    [MemberData(nameof(StacksAndPlans))]
    public async Task The_security_settings_hold_for_every_plan(string stack, string plan)
    {
        var template = await PlanAsync(stack, $"plan={plan}");
        var storage = Resources(template, "Microsoft.Storage/storageAccounts").Single();
        Assert.Equal("StorageV2", storage["kind"]!.GetValue<string>());
        var storageProperties = storage["properties"]!;
        Assert.Equal("TLS1_2", storageProperties["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(storageProperties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.False(storageProperties["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.False(storageProperties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.Equal("None", Resources(template, "Microsoft.Storage/storageAccounts/blobServices/containers").Single()["properties"]!["publicAccess"]!.GetValue<string>());

        var site = Resources(template, "Microsoft.Web/sites").Single();
        Assert.Equal("functionapp,linux", site["kind"]!.GetValue<string>());
        Assert.Equal("SystemAssigned", site["identity"]!["type"]!.GetValue<string>());
        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
        var siteConfig = site["properties"]!["siteConfig"]!;
        Assert.Equal("1.2", siteConfig["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("1.2", siteConfig["scmMinTlsVersion"]!.GetValue<string>());
        Assert.Equal("Disabled", siteConfig["ftpsState"]!.GetValue<string>());
        Assert.All(Resources(template, "Microsoft.Web/sites/basicPublishingCredentialsPolicies"), p => Assert.False(p["properties"]!["allow"]!.GetValue<bool>()));
        Assert.Equal(2, Resources(template, "Microsoft.Web/sites/basicPublishingCredentialsPolicies").Count());

        // Identity-based storage: no connection string, no key in any setting.
        var settings = siteConfig["appSettings"]!.AsArray().ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"]!.GetValue<string>());
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.All(settings.Values, v => Assert.DoesNotContain("AccountKey", v, StringComparison.OrdinalIgnoreCase));
        Assert.All(settings.Values, v => Assert.DoesNotContain("listKeys", v, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.StartsWith("https://", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal(ResourceNames.For(stack).TaskHub, settings["TaskHubName"]);
        Assert.Equal("exclusive-operation-locks", settings["ExclusiveOperations__Lock__Container"]);
        Assert.DoesNotContain("ExclusiveOperations__Data__Containers", settings.Keys); // none unless the stack names them

        Assert.Equal("SystemAssigned", Resources(template, "Microsoft.DataFactory/factories").Single()["identity"]!["type"]!.GetValue<string>());
        // No key in the template: no ARM listKeys call, no secure pipeline parameter with a value.
        Assert.DoesNotContain("listKeys(", template.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        foreach (var pipeline in Resources(template, "Microsoft.DataFactory/factories/pipelines"))
            foreach (var (name, parameter) in pipeline["properties"]!["parameters"]?.AsObject() ?? [])
                if (parameter!["type"]!.GetValue<string>().Equals("securestring", StringComparison.OrdinalIgnoreCase))
                    Assert.False(parameter.AsObject().ContainsKey("defaultValue"), $"Secure parameter {name} has a value.");
    }

    [Fact]
    public async Task Poll_records_and_nothing_else_are_deleted_days_after_their_last_poll()
    {
        var template = await PlanAsync("dev");
        var policy = Resources(template, "Microsoft.Storage/storageAccounts/managementPolicies").Single();
        Assert.Equal($"{ResourceNames.For("dev").StorageAccount}/default", policy["name"]!.GetValue<string>());
        var rule = policy["properties"]!["policy"]!["rules"]!.AsArray().Single()!;
        Assert.True(rule["enabled"]!.GetValue<bool>());
        Assert.Equal("Lifecycle", rule["type"]!.GetValue<string>());
        var filters = rule["definition"]!["filters"]!;
        Assert.Equal(["blockBlob"], filters["blobTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        var prefix = Assert.Single(filters["prefixMatch"]!.AsArray())!.GetValue<string>();
        var days = rule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<int>();
        Assert.Equal(StackEnvironment.PollRecordRetentionDays, days);
        // Well past the longest wait in line, after which nobody reads a record again.
        Assert.True(TimeSpan.FromDays(days) > new QueueOptions().MaxQueueTimeout, $"{days} days is not past the longest wait in line.");

        // The app's names, as a prefix match sees them (container/blob): every poll record matches, no lock blob does.
        var container = new LockOptions().Container;
        Assert.StartsWith(prefix, $"{container}/{RunPolls.BlobName("2f1c9a7e-queued-run")}");
        foreach (var key in new[] { "polls", "polls/a", "sales/2024", "exclusive-operation-locks/polls/x" })
            Assert.False($"{container}/{LockKey.BlobName(key)}".StartsWith(prefix, StringComparison.Ordinal), $"The lock blob of key '{key}' would be deleted.");
    }

    [Fact]
    public void The_librarys_lock_container_and_poll_prefix_are_the_apps()
    {
        Assert.Equal(ResourceNames.LockContainerName, new LockOptions().Container);
        Assert.Equal(RunPolls.Prefix, ResourceNames.PollRecordPrefix);
    }

    [Fact]
    public async Task Data_containers_of_the_stack_are_the_apps_allow_list()
    {
        var template = await PlanAsync("dev", "dataContainers=sales,staging");
        var settings = Resources(template, "Microsoft.Web/sites").Single()["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"]!.GetValue<string>());
        Assert.Equal("sales,staging", settings["ExclusiveOperations__Data__Containers"]);
    }

    [Fact]
    public async Task Flex_deploys_the_package_with_one_deploy_and_premium_runs_it_from_the_blob_both_by_a_script_of_pulumi_up()
    {
        var flex = await PlanAsync("dev", "maximumInstances=100", "alwaysReadyInstances=2", "instanceMemoryMB=4096");
        var hash = PackageHash.Of(_package);
        var blob = $"/app-package/{PackageHash.BlobName(hash)}";
        var flexSite = Resources(flex, "Microsoft.Web/sites").Single()["properties"]!;
        var config = flexSite["functionAppConfig"]!;
        Assert.Equal("SystemAssignedIdentity", config["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
        Assert.Equal("dotnet-isolated", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]!["version"]!.GetValue<string>());
        Assert.Equal(100, config["scaleAndConcurrency"]!["maximumInstanceCount"]!.GetValue<int>());
        Assert.Equal(4096, config["scaleAndConcurrency"]!["instanceMemoryMB"]!.GetValue<int>());
        Assert.Equal(2, config["scaleAndConcurrency"]!["alwaysReady"]![0]!["instanceCount"]!.GetValue<int>());
        Assert.Empty(Resources(flex, "Microsoft.Web/sites/extensions"));
        var names = ResourceNames.For("dev");
        var flexSteps = flex["metadata"]!["package"]!["deployment"]!;
        Assert.Null(flexSteps["beforeApp"]);
        var flexScript = flexSteps["afterApp"]!.GetValue<string>();
        Assert.Contains($"az functionapp deployment source config-zip --subscription '{ArmPreview.PreviewSubscription}' --resource-group '{names.ResourceGroup}' --name '{names.FunctionApp}' --src '{_package}'",
            flexScript);
        Assert.DoesNotContain("az storage", flexScript);
        Assert.True(flex["metadata"]!["package"]!["isBuilt"]!.GetValue<bool>());
        Assert.Equal("FC1", Resources(flex, "Microsoft.Web/serverfarms").Single()["sku"]!["name"]!.GetValue<string>());
        Assert.Equal(hash, flex["metadata"]!["package"]!["contentHash"]!.GetValue<string>());

        var premium = await PlanAsync("dev", "plan=premium", "premiumSku=EP2", "maximumInstances=30", "preWarmedInstances=2");
        Assert.Empty(Resources(premium, "Microsoft.Web/sites/extensions"));
        // The blob is written with the provider's storage token (Blob REST), not by the Azure CLI (a stale federated token).
        // Uploaded before the app points at it (its changed setting restarts the app), the old blobs deleted after.
        var premiumSteps = premium["metadata"]!["package"]!["deployment"]!;
        var premiumScript = premiumSteps["beforeApp"]!.GetValue<string>();
        Assert.Contains($"exops_container='https://{names.StorageAccount}.blob.core.windows.net/app-package'", premiumScript);
        Assert.Contains($"exops_blob='{PackageHash.BlobName(hash)}'", premiumScript);
        Assert.Contains("exops_retry 'Upload of the package blob'", premiumScript);
        Assert.DoesNotContain("az ", premiumScript);
        Assert.EndsWith("exops_delete_other_packages\n", premiumSteps["afterApp"]!.GetValue<string>());
        var plan = Resources(premium, "Microsoft.Web/serverfarms").Single();
        Assert.Equal("EP2", plan["sku"]!["name"]!.GetValue<string>());
        Assert.Equal(30, plan["properties"]!["maximumElasticWorkerCount"]!.GetValue<int>());
        var premiumSite = Resources(premium, "Microsoft.Web/sites").Single()["properties"]!;
        Assert.Null(premiumSite["functionAppConfig"]);
        Assert.Equal(2, premiumSite["siteConfig"]!["preWarmedInstanceCount"]!.GetValue<int>());
        var settings = premiumSite["siteConfig"]!["appSettings"]!.AsArray().ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"]!.GetValue<string>());
        Assert.EndsWith(blob, settings["WEBSITE_RUN_FROM_PACKAGE"]);
        Assert.Equal("SystemAssigned", settings["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"]);
    }

    [Fact]
    public async Task Roles_are_the_least_the_app_factory_and_deployer_need()
    {
        var flex = await PlanAsync("pr-4711");
        Assert.Equal(4, Resources(flex, "Microsoft.Authorization/roleAssignments").Count());
        Assert.DoesNotContain(Resources(flex, "Microsoft.Authorization/roleAssignments"), a => a["properties"]!["principalId"]!.GetValue<string>().Contains("parameters("));
        Assert.Null(flex["parameters"]![ArmPreview.DeployerParameter]);

        var template = await PlanAsync("pr-4711", "plan=premium");
        var role = Resources(template, "Microsoft.Authorization/roleDefinitions").Single()["properties"]!;
        Assert.Equal(["Microsoft.Web/sites/functions/listkeys/action"], role["permissions"]![0]!["actions"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["[resourceGroup().id]"], role["assignableScopes"]!.AsArray().Select(a => a!.GetValue<string>()));
        var assignments = Resources(template, "Microsoft.Authorization/roleAssignments")
            .Select(a => (Scope: a["scope"]!.GetValue<string>(), Role: a["properties"]!["roleDefinitionId"]!.GetValue<string>(), Principal: a["properties"]!["principalId"]!.GetValue<string>()))
            .ToList();
        Assert.Equal(5, assignments.Count);
        Assert.Equal(3, assignments.Count(a => a.Principal.Contains("Microsoft.Web/sites") && a.Scope.StartsWith("Microsoft.Storage/storageAccounts/", StringComparison.Ordinal) && !a.Scope.Contains("/containers/")));
        var factory = Assert.Single(assignments, a => a.Principal.Contains("Microsoft.DataFactory/factories"));
        Assert.StartsWith("Microsoft.Web/sites/", factory.Scope);
        // The custom role in the subscription form, as the program passes it.
        var roleGuid = Resources(template, "Microsoft.Authorization/roleDefinitions").Single()["name"]!.GetValue<string>();
        Assert.Equal($"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{roleGuid}')]", factory.Role);
        var deployer = Assert.Single(assignments, a => a.Principal.Contains("parameters("));
        Assert.EndsWith("/containers/app-package", deployer.Scope);
        Assert.DoesNotContain(assignments, a => a.Role.Contains("b24988ac-6180-42a0-ab88-20f7382dd24c") || a.Role.Contains("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
    }

    [Fact]
    public async Task Pipelines_get_the_stacks_function_app_as_default_and_outputs_have_the_agreed_names()
    {
        var template = await PlanAsync("pr-4711", "pullRequest=4711", "commit=0123abc");
        var pipelines = Resources(template, "Microsoft.DataFactory/factories/pipelines").ToList();
        Assert.Equal(Directory.GetFiles(TestFiles.GeneratedPipelines, "*.json").Length, pipelines.Count);
        var names = ResourceNames.For("pr-4711");
        foreach (var pipeline in pipelines)
        {
            var parameters = pipeline["properties"]!["parameters"]!.AsObject();
            if (parameters["functionBaseUrl"] is { } baseUrl)
                Assert.Contains($"resourceId('Microsoft.Web/sites', '{names.FunctionApp}')", baseUrl["defaultValue"]!.GetValue<string>());
            if (parameters["functionAppResourceId"] is { } resourceId)
                Assert.Equal($"[resourceId('Microsoft.Web/sites', '{names.FunctionApp}')]", resourceId["defaultValue"]!.GetValue<string>());
        }
        Assert.Equal(["resourceGroupName", "functionAppName", "functionBaseUrl", "dataFactoryName", "pipelineNames", "applicationInsightsName"],
            template["outputs"]!.AsObject().Select(o => o.Key));
        foreach (var resource in template["resources"]!.AsArray().Where(r => r!["location"] is not null))
        {
            Assert.Equal("pr-4711", resource!["tags"]!["stack"]!.GetValue<string>());
            Assert.Equal("4711", resource["tags"]!["pullRequest"]!.GetValue<string>());
            Assert.Equal("0123abc", resource["tags"]!["commit"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task The_stacks_pulumi_yaml_is_read_and_config_overrides_it()
    {
        var dev = await PlanAsync("dev");
        Assert.Equal("westeurope", Resources(dev, "Microsoft.Web/sites").Single()["location"]!.GetValue<string>());
        var overridden = await PlanAsync("dev", "azure-native:location=northeurope");
        Assert.Equal("northeurope", Resources(overridden, "Microsoft.Web/sites").Single()["location"]!.GetValue<string>());
        var noFile = await PlanAsync("pr-4711");
        Assert.Equal("[resourceGroup().location]", Resources(noFile, "Microsoft.Web/sites").Single()["location"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stack_file_line_it_cannot_read_is_named()
    {
        var infra = Directory.CreateDirectory(Path.Combine(_folder, "repository", "deploy", "azure", "Infra")).FullName;
        await File.WriteAllTextAsync(Path.Combine(infra, "Pulumi.odd.yaml"), "config:\n  exclusive-operations:plan: flex\n  exclusive-operations:secretThing:\n    secure: AAAA\n");
        var (exitCode, stdout, stderr) = await RunAsync("plan", "--stack", "odd", "--repository", Path.Combine(_folder, "repository"));
        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("Pulumi.odd.yaml:3", stderr);
    }

    [Theory]
    [InlineData(new[] { "plan", "--config", "plan=serverless" }, "allowed: flex, premium")]
    [InlineData(new[] { "plan", "--config", "packagePath=/nonexistent/functionapp.zip" }, "./build.sh publish")]
    [InlineData(new[] { "plan", "--stack", "bad stack" }, "is not allowed")]
    [InlineData(new[] { "plan", "--config", "novalue" }, "KEY=VALUE")]
    public async Task Bad_input_is_a_clear_error_and_no_template(string[] arguments, string message)
    {
        var (exitCode, stdout, stderr) = await RunAsync(arguments);
        Assert.NotEqual(0, exitCode);
        Assert.Equal("", stdout.Trim());
        Assert.Contains(message, stderr);
    }
}
