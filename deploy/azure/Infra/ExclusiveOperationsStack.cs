using System.Collections.Immutable;
using AzureEnvironment;
using Pulumi;
using Authorization = Pulumi.AzureNative.Authorization;
using Command = Pulumi.Command.Local;
using DataFactory = Pulumi.AzureNative.DataFactory;
using Insights = Pulumi.AzureNative.ApplicationInsights;
using OperationalInsights = Pulumi.AzureNative.OperationalInsights;
using Resources = Pulumi.AzureNative.Resources;
using Storage = Pulumi.AzureNative.Storage;
using Web = Pulumi.AzureNative.Web;

namespace Infra;

/// <summary>
/// One stack of the Azure environment, declared top-down. Every name, setting and role comes from
/// <see cref="StackEnvironment"/> (deploy/azure/AzureEnvironment), which <c>./build.sh infra plan</c> previews.
/// </summary>
public sealed class ExclusiveOperationsStack : Stack
{
    public ExclusiveOperationsStack()
    {
        // A preview deploys nothing, so it runs without the package (fresh checkout); pulumi up requires it.
        var environment = StackEnvironment.Create(ReadSettings(), Path.Combine(RepositoryRoot(), "pipelines", "generated", "pipeline"),
            packageRequired: !Deployment.Instance.IsDryRun);
        if (!environment.Package.IsBuilt)
            Log.Warn($"The Function App package {environment.Package.Path} is not built; this preview shows the code deployment with a placeholder. Run ./build.sh publish before pulumi up.");
        var names = environment.Names;
        var tags = environment.Tags.ToDictionary(t => t.Key, t => t.Value);
        var client = Output.Create(Authorization.GetClientConfig.InvokeAsync());

        var group = new Resources.ResourceGroup("resource-group", new()
        {
            ResourceGroupName = names.ResourceGroup,
            Location = environment.Settings.Location!,
            Tags = tags,
        });

        var storageSpec = environment.StorageAccount;
        var storage = new Storage.StorageAccount("storage", new()
        {
            ResourceGroupName = group.Name,
            AccountName = storageSpec.Name,
            Location = group.Location,
            Kind = storageSpec.Kind,
            Sku = new Storage.Inputs.SkuArgs { Name = storageSpec.SkuName },
            MinimumTlsVersion = storageSpec.MinimumTlsVersion,
            EnableHttpsTrafficOnly = storageSpec.HttpsTrafficOnly,
            AllowBlobPublicAccess = storageSpec.AllowBlobPublicAccess,
            AllowSharedKeyAccess = storageSpec.AllowSharedKeyAccess,
            DefaultToOAuthAuthentication = storageSpec.DefaultToOAuthAuthentication,
            Tags = tags,
        });

        new Storage.ManagementPolicy("storage-lifecycle", new()
        {
            ResourceGroupName = group.Name,
            AccountName = storage.Name,
            ManagementPolicyName = environment.StorageLifecycle.Name,
            Policy = new Storage.Inputs.ManagementPolicySchemaArgs
            {
                Rules = environment.StorageLifecycle.Rules.Select(rule => new Storage.Inputs.ManagementPolicyRuleArgs
                {
                    Name = rule.Name,
                    Enabled = true,
                    Type = "Lifecycle",
                    Definition = new Storage.Inputs.ManagementPolicyDefinitionArgs
                    {
                        Filters = new Storage.Inputs.ManagementPolicyFilterArgs { BlobTypes = rule.BlobTypes.ToList(), PrefixMatch = rule.PrefixMatch.ToList() },
                        Actions = new Storage.Inputs.ManagementPolicyActionArgs
                        {
                            BaseBlob = new Storage.Inputs.ManagementPolicyBaseBlobArgs
                            {
                                Delete = new Storage.Inputs.DateAfterModificationArgs { DaysAfterModificationGreaterThan = rule.DaysAfterModificationGreaterThan },
                            },
                        },
                    },
                }).ToList(),
            },
        });

        var deploymentContainer = new Storage.BlobContainer("deployment-container", new()
        {
            ResourceGroupName = group.Name,
            AccountName = storage.Name,
            ContainerName = names.DeploymentContainer,
            PublicAccess = Storage.PublicAccess.None,
        });

        var workspace = new OperationalInsights.Workspace("logs", new()
        {
            ResourceGroupName = group.Name,
            WorkspaceName = environment.LogAnalytics.Name,
            Location = group.Location,
            Sku = new OperationalInsights.Inputs.WorkspaceSkuArgs { Name = environment.LogAnalytics.SkuName },
            RetentionInDays = environment.LogAnalytics.RetentionInDays,
            Tags = tags,
        });

        var insights = new Insights.Component("application-insights", new()
        {
            ResourceGroupName = group.Name,
            ResourceName = environment.ApplicationInsights.Name,
            Location = group.Location,
            Kind = environment.ApplicationInsights.Kind,
            ApplicationType = environment.ApplicationInsights.ApplicationType,
            IngestionMode = environment.ApplicationInsights.IngestionMode,
            WorkspaceResourceId = workspace.Id,
            Tags = tags,
        });

        var planSpec = environment.Plan;
        var planArgs = new Web.AppServicePlanArgs
        {
            ResourceGroupName = group.Name,
            Name = planSpec.Name,
            Location = group.Location,
            Kind = planSpec.Kind,
            Reserved = planSpec.Reserved,
            Sku = new Web.Inputs.SkuDescriptionArgs { Name = planSpec.SkuName, Tier = planSpec.SkuTier },
            Tags = tags,
        };
        if (planSpec.MaximumElasticWorkerCount is { } maximumWorkers)
            planArgs.MaximumElasticWorkerCount = maximumWorkers;
        var plan = new Web.AppServicePlan("plan", planArgs);

        var roleScopes = new Dictionary<RoleScope, Output<string>> { [RoleScope.StorageAccount] = storage.Id, [RoleScope.DeploymentContainer] = deploymentContainer.Id };

        var appSpec = environment.FunctionApp;
        var siteConfig = new Web.Inputs.SiteConfigArgs
        {
            AppSettings = SecretAppSettings(environment, insights.ConnectionString),
            MinTlsVersion = appSpec.MinTlsVersion,
            ScmMinTlsVersion = appSpec.ScmMinTlsVersion,
            FtpsState = appSpec.FtpsState,
        };
        if (appSpec.Premium is { } premium)
        {
            siteConfig.LinuxFxVersion = premium.LinuxFxVersion;
            siteConfig.PreWarmedInstanceCount = premium.PreWarmedInstanceCount;
            siteConfig.MinimumElasticInstanceCount = premium.MinimumElasticInstanceCount;
            siteConfig.FunctionAppScaleLimit = premium.FunctionAppScaleLimit;
        }
        var appArgs = new Web.WebAppArgs
        {
            ResourceGroupName = group.Name,
            Name = appSpec.Name,
            Location = group.Location,
            Kind = appSpec.Kind,
            ServerFarmId = plan.Id,
            HttpsOnly = appSpec.HttpsOnly,
            Identity = new Web.Inputs.ManagedServiceIdentityArgs { Type = Web.ManagedServiceIdentityType.SystemAssigned },
            SiteConfig = siteConfig,
            Tags = tags,
        };
        if (appSpec.Flex is { } flex)
        {
            var deploymentStorage = new Web.Inputs.FunctionsDeploymentStorageArgs { Type = "blobContainer", Value = flex.DeploymentContainerUrl };
            deploymentStorage.Authentication = NewArgs(deploymentStorage.Authentication, a => a.Type = flex.DeploymentAuthentication);
            appArgs.FunctionAppConfig = new Web.Inputs.FunctionAppConfigArgs
            {
                Deployment = new Web.Inputs.FunctionsDeploymentArgs { Storage = deploymentStorage },
                Runtime = new Web.Inputs.FunctionsRuntimeArgs { Name = flex.RuntimeName, Version = flex.RuntimeVersion },
                ScaleAndConcurrency = new Web.Inputs.FunctionsScaleAndConcurrencyArgs
                {
                    MaximumInstanceCount = flex.MaximumInstanceCount,
                    InstanceMemoryMB = flex.InstanceMemoryMB,
                    AlwaysReady = flex.AlwaysReady.Select(a => new Web.Inputs.FunctionsAlwaysReadyConfigArgs { Name = a.Name, InstanceCount = a.InstanceCount }).ToList(),
                },
            };
        }
        // The deployer's roles come first: on Elastic Premium it uploads the package before the app points at it.
        var deployerRoles = environment.RoleAssignments.Where(r => r.Principal == Principal.Deployer)
            .Select(spec => (Resource)Assign(spec, client.Apply(c => c.ObjectId), roleScopes, client, null)).ToList();
        // The code, with Entra ID (see CodeDeployment): the provider's Blob resource would write with the account key,
        // which this account refuses (pulumi/pulumi-azure-native#3719, #2015). In the stack's subscription, not the
        // Azure CLI's default one.
        var scripts = client.Apply(c => CodeDeployment.Scripts(environment, c.SubscriptionId));
        var scriptVariables = CodeDeploymentEnvironment(environment);
        var appOptions = new CustomResourceOptions { DependsOn = { deploymentContainer } };
        if (appSpec.Premium is not null)
        {
            // The blob that WEBSITE_RUN_FROM_PACKAGE names (by content hash) exists before the app is set to run it.
            var upload = new Command.Command("package-upload", new()
            {
                Create = scripts.Apply(s => s.BeforeApp!),
                Environment = scriptVariables,
                // An Input<object>[], not a collection initializer: InputList<object>.Add is ambiguous for a string or an Output (pulumi/pulumi-dotnet#626).
                Triggers = new Input<object>[] { environment.Package.ContentHash },
            }, new CustomResourceOptions { DependsOn = deployerRoles });
            appOptions.DependsOn.Add(upload);
        }
        var app = new Web.WebApp("function-app", appArgs, appOptions);
        roleScopes[RoleScope.FunctionApp] = app.Id;

        new Web.WebAppFtpAllowed("ftp-basic-auth-off", new() { ResourceGroupName = group.Name, Name = app.Name, Allow = appSpec.BasicPublishingCredentialsAllowed });
        new Web.WebAppScmAllowed("scm-basic-auth-off", new() { ResourceGroupName = group.Name, Name = app.Name, Allow = appSpec.BasicPublishingCredentialsAllowed });

        var appPrincipal = app.Identity.Apply(i => i!.PrincipalId);
        var appRoles = environment.RoleAssignments.Where(r => r.Principal == Principal.FunctionApp)
            .Select(spec => (Resource)Assign(spec, appPrincipal, roleScopes, client, null)).ToList();

        // Flex: One Deploy, after the roles the app writes its deployment container with. Elastic Premium: the package
        // blobs the app no longer runs are deleted. Re-run when the package's content hash changes or the app is replaced.
        new Command.Command("deploy-code", new()
        {
            Create = scripts.Apply(s => s.AfterApp),
            Environment = scriptVariables,
            // An Input<object>[], not a collection initializer: InputList<object>.Add is ambiguous for a string or an Output (pulumi/pulumi-dotnet#626).
            Triggers = new Input<object>[] { environment.Package.ContentHash, app.Id.Apply(object (id) => id) },
        }, new CustomResourceOptions { DependsOn = appRoles.Concat(deployerRoles).Append(app).ToList() });

        var factory = new DataFactory.Factory("data-factory", new()
        {
            ResourceGroupName = group.Name,
            FactoryName = environment.DataFactory.Name,
            Location = group.Location,
            Identity = new DataFactory.Inputs.FactoryIdentityArgs { Type = DataFactory.FactoryIdentityType.SystemAssigned },
            Tags = tags,
        });

        // The pipeline reads the StartOperation function's key at run time through ARM with the factory's identity;
        // this role allows exactly that, on this app only.
        var keyReaderSpec = environment.FunctionKeyReader;
        var keyReader = new Authorization.RoleDefinition("function-key-reader", new()
        {
            RoleDefinitionId = keyReaderSpec.Id,
            RoleName = keyReaderSpec.RoleName,
            Description = keyReaderSpec.Description,
            RoleType = "CustomRole",
            Scope = group.Id,
            AssignableScopes = { group.Id },
            Permissions = { new Authorization.Inputs.PermissionArgs { Actions = keyReaderSpec.Actions.ToList() } },
        });
        Assign(environment.RoleAssignments.Single(r => r.Principal == Principal.DataFactory), factory.Identity.Apply(i => i!.PrincipalId), roleScopes, client, keyReader);

        var stackDefaults = Output.Tuple(app.DefaultHostName, app.Id)
            .Apply(t => StackEnvironment.PipelineParameterDefaults($"https://{t.Item1}", t.Item2));
        var pipelineNames = new List<Output<string>>();
        // PipelineDocuments puts a pipeline run by another first; Data Factory refuses a reference to a pipeline it does not have yet.
        var deployedPipelines = new Dictionary<string, DataFactory.Pipeline>();
        foreach (var document in environment.PipelineDocuments)
        {
            // Activities from the default-free shape (they are the same in both shapes), so they wait for no output of the app.
            var shape = PipelineConversion.ToProviderShape(document, new Dictionary<string, object>());
            var deployed = stackDefaults.Apply(defaults => PipelineConversion.ToProviderShape(document, defaults));
            if (shape.Policy is not null)
                throw new NotSupportedException($"Pipeline {shape.Name} has a pipeline policy, which this program does not pass to the provider yet.");
            var pipelineArgs = new DataFactory.PipelineArgs
            {
                ResourceGroupName = group.Name,
                FactoryName = factory.Name,
                PipelineName = shape.Name,
                Activities = Output.Create(shape.Activities.Cast<object>().ToImmutableArray()),
                Parameters = deployed.Apply(p => p.Parameters.ToImmutableDictionary(e => e.Key, e => Specification(e.Value))),
                Variables = shape.Variables.ToDictionary(e => e.Key, e => Variable(e.Value)),
                Annotations = (shape.Annotations ?? []).Select(a => a!).ToList(),
            };
            if (shape.Description is not null)
                pipelineArgs.Description = shape.Description;
            if (shape.Folder is not null)
                pipelineArgs.Folder = new DataFactory.Inputs.PipelineFolderArgs { Name = shape.Folder };
            if (shape.Concurrency is { } concurrency)
                pipelineArgs.Concurrency = concurrency;
            if (shape.RunDimensions is not null)
                pipelineArgs.RunDimensions = shape.RunDimensions.ToDictionary(e => e.Key, e => e.Value!);
            var pipelineOptions = new CustomResourceOptions();
            foreach (var referenced in PipelineConversion.ReferencedPipelines(document))
                pipelineOptions.DependsOn.Add(deployedPipelines[referenced]);
            var pipeline = new DataFactory.Pipeline($"pipeline-{shape.Name}", pipelineArgs, pipelineOptions);
            deployedPipelines[shape.Name] = pipeline;
            pipelineNames.Add(pipeline.Name);
        }

        ResourceGroupName = group.Name;
        FunctionAppName = app.Name;
        FunctionBaseUrl = Output.Format($"https://{app.DefaultHostName}");
        DataFactoryName = factory.Name;
        PipelineNames = Output.All(pipelineNames.ToArray());
        ApplicationInsightsName = insights.Name;
    }

    [Output(StackEnvironment.Outputs.ResourceGroupName)]
    public Output<string> ResourceGroupName { get; private set; }

    [Output(StackEnvironment.Outputs.FunctionAppName)]
    public Output<string> FunctionAppName { get; private set; }

    [Output(StackEnvironment.Outputs.FunctionBaseUrl)]
    public Output<string> FunctionBaseUrl { get; private set; }

    [Output(StackEnvironment.Outputs.DataFactoryName)]
    public Output<string> DataFactoryName { get; private set; }

    [Output(StackEnvironment.Outputs.PipelineNames)]
    public Output<ImmutableArray<string>> PipelineNames { get; private set; }

    [Output(StackEnvironment.Outputs.ApplicationInsightsName)]
    public Output<string> ApplicationInsightsName { get; private set; }

    /// <summary>
    /// The app settings, marked secret as a whole: the Application Insights connection string is among them
    /// (the storage settings are endpoints, no key: identity-based).
    /// </summary>
    public static Output<ImmutableArray<Web.Inputs.NameValuePairArgs>> SecretAppSettings(StackEnvironment environment, Output<string> applicationInsightsConnectionString) =>
        Output.CreateSecret(applicationInsightsConnectionString.Apply(connectionString =>
            environment.AppSettings(connectionString).Select(s => new Web.Inputs.NameValuePairArgs { Name = s.Name, Value = s.Value }).ToImmutableArray()));

    private static DataFactory.Inputs.ParameterSpecificationArgs Specification(ProviderParameter parameter)
    {
        var specification = new DataFactory.Inputs.ParameterSpecificationArgs { Type = parameter.Type };
        if (parameter.HasDefault)
            specification.DefaultValue = Output.Create(parameter.DefaultValue!);
        return specification;
    }

    private static DataFactory.Inputs.VariableSpecificationArgs Variable(ProviderParameter variable)
    {
        var specification = new DataFactory.Inputs.VariableSpecificationArgs { Type = variable.Type };
        if (variable.HasDefault)
            specification.DefaultValue = Output.Create(variable.DefaultValue!);
        return specification;
    }

    /// <summary>
    /// A new Args object for <paramref name="property"/>, set up by <paramref name="setUp"/>. Its class is inferred from
    /// the property because the class of Flex's deployment storage authentication was renamed with the Web API
    /// 2025-05-01 (FunctionsDeploymentAuthenticationArgs before, FunctionsDeploymentStorageAuthenticationArgs since;
    /// same members), so this compiles against either provider build.
    /// </summary>
    private static T NewArgs<T>(Input<T>? property, Action<T> setUp) where T : new()
    {
        var args = new T();
        setUp(args);
        return args;
    }

    /// <summary>
    /// A role assignment from the library's list: built-in roles or the custom role (after it exists) by GUID in the
    /// subscription form, named by a GUID of scope, principal and role (the same name when the stack is created again).
    /// Replaced by deleting first: Azure refuses a second assignment of the same role, principal and scope.
    /// </summary>
    private static Authorization.RoleAssignment Assign(RoleAssignmentSpec spec, Output<string> principalId, Dictionary<RoleScope, Output<string>> scopes,
        Output<Authorization.GetClientConfigResult> client, Authorization.RoleDefinition? custom)
    {
        var scope = scopes[spec.Scope];
        var roleDefinitionId = client.Apply(c => RoleIds.Definition(c.SubscriptionId, spec.RoleDefinitionId));
        var args = new Authorization.RoleAssignmentArgs
        {
            PrincipalId = principalId,
            RoleDefinitionId = roleDefinitionId,
            RoleAssignmentName = Output.Tuple(scope, principalId, roleDefinitionId).Apply(t => RoleIds.AssignmentName(t.Item1, t.Item2, t.Item3)),
            Scope = scope,
            Description = spec.Why,
        };
        if (spec.Principal != Principal.Deployer) // the deployer may be a user or a service principal
            args.PrincipalType = "ServicePrincipal";
        var options = new CustomResourceOptions { DeleteBeforeReplace = true };
        if (custom is not null)
            options.DependsOn.Add(custom);
        return new Authorization.RoleAssignment(spec.Key, args, options);
    }

    /// <summary>
    /// The code deployment's environment: on Elastic Premium the storage token of the package upload, from the
    /// azure-native provider's credential (secret), because the Azure CLI's federated sign-in cannot get a new
    /// data-plane token minutes after azure/login (Azure/azure-cli#28708). A new token each run: the command then
    /// runs again, finds the package blob there and only deletes old ones.
    /// </summary>
    private static InputMap<string> CodeDeploymentEnvironment(StackEnvironment environment)
    {
        var variables = new InputMap<string>();
        if (environment.FunctionApp.Premium is not null)
            variables.Add(CodeDeployment.StorageTokenVariable, Output.CreateSecret(
                Output.Create(Authorization.GetClientToken.InvokeAsync(new Authorization.GetClientTokenArgs { Endpoint = CodeDeployment.StorageAudience })).Apply(t => t.Token)));
        return variables;
    }

    /// <summary>The stack's config, read key by key through Pulumi and checked by the library (clear errors).</summary>
    private static StackSettings ReadSettings()
    {
        var config = new Config();
        var values = new Dictionary<string, string>();
        foreach (var key in StackConfiguration.Keys)
            if (config.Get(key.Name) is { } value)
                values[key.Name] = value;
        var location = new Config("azure-native").Get("location");
        if (location is null)
            throw new StackConfigurationException($"Set the Azure region: pulumi config set {StackConfiguration.LocationKey} westeurope");
        values[StackConfiguration.LocationKey] = location;
        return StackConfiguration.Parse(Deployment.Instance.StackName, values, RepositoryRoot());
    }

    /// <summary>The repository this program is in (pulumi runs it from deploy/azure/Infra).</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Infra.sln")))
                return folder.FullName;
        throw new InvalidOperationException($"Run the program from the repository (no Infra.sln above {Directory.GetCurrentDirectory()}).");
    }
}
