using System.Text.Json.Nodes;

namespace AzureEnvironment;

/// <summary>
/// A stack's environment as an ARM deployment template (resource group scope), for review: every resource
/// with its type, API version, concrete name, dependsOn, identity and properties under ARM's own names, the
/// same values the Pulumi program passes to the provider; values known only after deployment (principal ids,
/// the host name, the Application Insights connection string) as ARM expressions. The resource group itself
/// (which holds the deployment) and the code deployment (a command <c>pulumi up</c> runs, see <see cref="CodeDeployment"/>)
/// are described in <c>metadata</c>.
/// A preview, not a second way to deploy.
/// </summary>
public static class ArmPreview
{
    public const string StorageApi = "2024-01-01";
    public const string WebApi = "2024-04-01";
    public const string InsightsApi = "2020-02-02";
    public const string WorkspaceApi = "2023-09-01";
    public const string DataFactoryApi = "2018-06-01";
    public const string AuthorizationApi = "2022-04-01";

    public const string DeployerParameter = "deployerPrincipalId";

    /// <summary>The subscription id in the preview's code deployment script (the stack's is known at <c>pulumi up</c> only).</summary>
    public const string PreviewSubscription = "00000000-0000-0000-0000-000000000000";

    public static JsonObject Template(StackEnvironment environment)
    {
        var names = environment.Names;
        var location = environment.Settings.Location ?? "[resourceGroup().location]";
        JsonObject Tags() => new(environment.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)Literal(t.Value))));
        var storageId = Id("Microsoft.Storage/storageAccounts", names.StorageAccount);
        var containerId = Id("Microsoft.Storage/storageAccounts/blobServices/containers", names.StorageAccount, "default", names.DeploymentContainer);
        var workspaceId = Id("Microsoft.OperationalInsights/workspaces", names.LogAnalyticsWorkspace);
        var insightsId = Id("Microsoft.Insights/components", names.ApplicationInsights);
        var planId = Id("Microsoft.Web/serverfarms", names.HostingPlan);
        var siteId = Id("Microsoft.Web/sites", names.FunctionApp);
        var factoryId = Id("Microsoft.DataFactory/factories", names.DataFactory);
        var roleId = Id("Microsoft.Authorization/roleDefinitions", environment.FunctionKeyReader.Id);
        var hostName = $"reference({siteId}, '{WebApi}').defaultHostName";
        var resources = new JsonArray();

        var storage = environment.StorageAccount;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Storage/storageAccounts",
            ["apiVersion"] = StorageApi,
            ["name"] = storage.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["kind"] = storage.Kind,
            ["sku"] = new JsonObject { ["name"] = storage.SkuName },
            ["properties"] = new JsonObject
            {
                ["minimumTlsVersion"] = storage.MinimumTlsVersion,
                ["supportsHttpsTrafficOnly"] = storage.HttpsTrafficOnly,
                ["allowBlobPublicAccess"] = storage.AllowBlobPublicAccess,
                ["allowSharedKeyAccess"] = storage.AllowSharedKeyAccess,
                ["defaultToOAuthAuthentication"] = storage.DefaultToOAuthAuthentication,
            },
        });
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Storage/storageAccounts/blobServices/containers",
            ["apiVersion"] = StorageApi,
            ["name"] = $"{storage.Name}/default/{names.DeploymentContainer}",
            ["dependsOn"] = DependsOn(storageId),
            ["properties"] = new JsonObject { ["publicAccess"] = "None" },
        });

        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Storage/storageAccounts/managementPolicies",
            ["apiVersion"] = StorageApi,
            ["name"] = $"{storage.Name}/{environment.StorageLifecycle.Name}",
            ["dependsOn"] = DependsOn(storageId),
            ["properties"] = new JsonObject
            {
                ["policy"] = new JsonObject
                {
                    ["rules"] = new JsonArray([.. environment.StorageLifecycle.Rules.Select(rule => (JsonNode)new JsonObject
                    {
                        ["name"] = rule.Name,
                        ["enabled"] = true,
                        ["type"] = "Lifecycle",
                        ["definition"] = new JsonObject
                        {
                            ["filters"] = new JsonObject
                            {
                                ["blobTypes"] = new JsonArray([.. rule.BlobTypes.Select(t => (JsonNode)t)]),
                                ["prefixMatch"] = new JsonArray([.. rule.PrefixMatch.Select(p => (JsonNode)p)]),
                            },
                            ["actions"] = new JsonObject
                            {
                                ["baseBlob"] = new JsonObject
                                {
                                    ["delete"] = new JsonObject { ["daysAfterModificationGreaterThan"] = rule.DaysAfterModificationGreaterThan },
                                },
                            },
                        },
                    })]),
                },
            },
        });

        var workspace = environment.LogAnalytics;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.OperationalInsights/workspaces",
            ["apiVersion"] = WorkspaceApi,
            ["name"] = workspace.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["properties"] = new JsonObject { ["sku"] = new JsonObject { ["name"] = workspace.SkuName }, ["retentionInDays"] = workspace.RetentionInDays },
        });
        var insights = environment.ApplicationInsights;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Insights/components",
            ["apiVersion"] = InsightsApi,
            ["name"] = insights.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["kind"] = insights.Kind,
            ["dependsOn"] = DependsOn(workspaceId),
            ["properties"] = new JsonObject
            {
                ["Application_Type"] = insights.ApplicationType,
                ["WorkspaceResourceId"] = $"[{workspaceId}]",
                ["IngestionMode"] = insights.IngestionMode,
            },
        });

        var plan = environment.Plan;
        var planProperties = new JsonObject { ["reserved"] = plan.Reserved };
        if (plan.MaximumElasticWorkerCount is { } maximumWorkers)
            planProperties["maximumElasticWorkerCount"] = maximumWorkers;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Web/serverfarms",
            ["apiVersion"] = WebApi,
            ["name"] = plan.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["kind"] = plan.Kind,
            ["sku"] = new JsonObject { ["name"] = plan.SkuName, ["tier"] = plan.SkuTier },
            ["properties"] = planProperties,
        });

        var app = environment.FunctionApp;
        var appSettings = new JsonArray([.. environment.AppSettings($"[reference({insightsId}, '{InsightsApi}').ConnectionString]")
            .Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["value"] = s.Name == "APPLICATIONINSIGHTS_CONNECTION_STRING" ? s.Value : Literal(s.Value) })]);
        var siteConfig = new JsonObject
        {
            ["minTlsVersion"] = app.MinTlsVersion,
            ["scmMinTlsVersion"] = app.ScmMinTlsVersion,
            ["ftpsState"] = app.FtpsState,
            ["appSettings"] = appSettings,
        };
        var siteProperties = new JsonObject { ["serverFarmId"] = $"[{planId}]", ["httpsOnly"] = app.HttpsOnly, ["siteConfig"] = siteConfig };
        if (app.Premium is { } premium)
        {
            siteConfig["linuxFxVersion"] = premium.LinuxFxVersion;
            siteConfig["preWarmedInstanceCount"] = premium.PreWarmedInstanceCount;
            siteConfig["minimumElasticInstanceCount"] = premium.MinimumElasticInstanceCount;
            siteConfig["functionAppScaleLimit"] = premium.FunctionAppScaleLimit;
        }
        if (app.Flex is { } flex)
        {
            var scale = new JsonObject { ["maximumInstanceCount"] = flex.MaximumInstanceCount, ["instanceMemoryMB"] = flex.InstanceMemoryMB };
            if (flex.AlwaysReady.Count > 0)
                scale["alwaysReady"] = new JsonArray([.. flex.AlwaysReady.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["instanceCount"] = a.InstanceCount })]);
            siteProperties["functionAppConfig"] = new JsonObject
            {
                ["deployment"] = new JsonObject
                {
                    ["storage"] = new JsonObject
                    {
                        ["type"] = "blobContainer",
                        ["value"] = flex.DeploymentContainerUrl,
                        ["authentication"] = new JsonObject { ["type"] = flex.DeploymentAuthentication },
                    },
                },
                ["runtime"] = new JsonObject { ["name"] = flex.RuntimeName, ["version"] = flex.RuntimeVersion },
                ["scaleAndConcurrency"] = scale,
            };
        }
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Web/sites",
            ["apiVersion"] = WebApi,
            ["name"] = app.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["kind"] = app.Kind,
            ["identity"] = new JsonObject { ["type"] = app.IdentityType },
            ["dependsOn"] = DependsOn(planId, insightsId, containerId),
            ["properties"] = siteProperties,
        });
        foreach (var protocol in new[] { "ftp", "scm" })
            resources.Add(new JsonObject
            {
                ["type"] = "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
                ["apiVersion"] = WebApi,
                ["name"] = $"{app.Name}/{protocol}",
                ["dependsOn"] = DependsOn(siteId),
                ["properties"] = new JsonObject { ["allow"] = app.BasicPublishingCredentialsAllowed },
            });

        var factory = environment.DataFactory;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.DataFactory/factories",
            ["apiVersion"] = DataFactoryApi,
            ["name"] = factory.Name,
            ["location"] = location,
            ["tags"] = Tags(),
            ["identity"] = new JsonObject { ["type"] = factory.IdentityType },
            ["properties"] = new JsonObject(),
        });

        var role = environment.FunctionKeyReader;
        resources.Add(new JsonObject
        {
            ["type"] = "Microsoft.Authorization/roleDefinitions",
            ["apiVersion"] = AuthorizationApi,
            ["name"] = role.Id,
            ["properties"] = new JsonObject
            {
                ["roleName"] = role.RoleName,
                ["description"] = role.Description,
                ["type"] = "CustomRole",
                ["permissions"] = new JsonArray(new JsonObject { ["actions"] = new JsonArray([.. role.Actions.Select(a => (JsonNode)a)]), ["notActions"] = new JsonArray() }),
                ["assignableScopes"] = new JsonArray("[resourceGroup().id]"),
            },
        });

        foreach (var assignment in environment.RoleAssignments)
        {
            var (scope, scopeId) = assignment.Scope switch
            {
                RoleScope.StorageAccount => ($"Microsoft.Storage/storageAccounts/{storage.Name}", storageId),
                RoleScope.DeploymentContainer => ($"Microsoft.Storage/storageAccounts/{storage.Name}/blobServices/default/containers/{names.DeploymentContainer}", containerId),
                RoleScope.FunctionApp => ($"Microsoft.Web/sites/{app.Name}", siteId),
                _ => throw new ArgumentOutOfRangeException(nameof(environment), assignment.Scope, "Unknown role scope."),
            };
            var (principalId, principalDependency) = assignment.Principal switch
            {
                Principal.FunctionApp => ($"reference({siteId}, '{WebApi}', 'full').identity.principalId", siteId),
                Principal.DataFactory => ($"reference({factoryId}, '{DataFactoryApi}', 'full').identity.principalId", factoryId),
                Principal.Deployer => ($"parameters('{DeployerParameter}')", (string?)null),
                _ => throw new ArgumentOutOfRangeException(nameof(environment), assignment.Principal, "Unknown principal."),
            };
            var custom = assignment.RoleDefinitionId == role.Id;
            // The subscription form for the custom role too, as the program passes it (RoleIds.Definition).
            var properties = new JsonObject
            {
                ["roleDefinitionId"] = $"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{assignment.RoleDefinitionId}')]",
                ["principalId"] = $"[{principalId}]",
                ["description"] = assignment.Why,
            };
            if (assignment.Principal != Principal.Deployer)
                properties["principalType"] = "ServicePrincipal";
            var dependencies = new List<string> { scopeId };
            if (principalDependency is not null && principalDependency != scopeId)
                dependencies.Add(principalDependency);
            if (custom)
                dependencies.Add(roleId);
            resources.Add(new JsonObject
            {
                ["type"] = "Microsoft.Authorization/roleAssignments",
                ["apiVersion"] = AuthorizationApi,
                ["scope"] = scope,
                // The program's name (RoleIds.AssignmentName) is guid() of the lowercase scope, the principal id and the
                // role's GUID; ARM needs a name known at the start of the deployment, so an identity stands here for its
                // resource id (its principal id exists only once the resource does); the deployer's is the program's.
                ["name"] = $"[guid(toLower({scopeId}), toLower({(assignment.Principal == Principal.Deployer ? principalId : principalDependency)}), '{assignment.RoleDefinitionId.ToLowerInvariant()}')]",
                ["dependsOn"] = DependsOn([.. dependencies]),
                ["properties"] = properties,
            });
        }

        // The same conversion and parameter defaults as the Pulumi program, the defaults as ARM expressions;
        // the pipelines' own strings are escaped first, so ARM reads none of them as an expression.
        var defaults = StackEnvironment.PipelineParameterDefaults($"[format('https://{{0}}', {hostName})]", $"[{siteId}]");
        foreach (var document in environment.PipelineDocuments)
        {
            var escaped = (JsonObject)EscapeLiterals(document)!;
            var pipeline = PipelineConversion.ToProviderShape(escaped, defaults);
            resources.Add(new JsonObject
            {
                ["type"] = "Microsoft.DataFactory/factories/pipelines",
                ["apiVersion"] = DataFactoryApi,
                ["name"] = $"{factory.Name}/{pipeline.Name}",
                ["dependsOn"] = DependsOn([factoryId, siteId, .. PipelineConversion.ReferencedPipelines(document)
                    .Select(referenced => Id("Microsoft.DataFactory/factories/pipelines", names.DataFactory, referenced))]),
                ["properties"] = PipelineConversion.ToDataFactoryJson(pipeline)["properties"]!.DeepClone(),
            });
        }

        var parameters = new JsonObject();
        if (environment.RoleAssignments.Any(a => a.Principal == Principal.Deployer))
            parameters[DeployerParameter] = new JsonObject
            {
                ["type"] = "string",
                ["metadata"] = new JsonObject { ["description"] = "Object id of whoever deploys the code (uploads the package blob)." },
            };

        return new JsonObject
        {
            ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            ["contentVersion"] = "1.0.0.0",
            ["metadata"] = new JsonObject
            {
                ["description"] = $"Preview of stack '{environment.Settings.Stack}' of {StackConfiguration.Project} (./build.sh infra plan); pulumi up deploys it.",
                ["resourceGroup"] = new JsonObject { ["name"] = names.ResourceGroup, ["location"] = environment.Settings.Location ?? "(azure-native:location)", ["tags"] = Tags() },
                ["package"] = new JsonObject
                {
                    ["path"] = environment.Package.Path,
                    ["contentHash"] = environment.Package.ContentHash,
                    ["isBuilt"] = environment.Package.IsBuilt,
                    ["subscription"] = "pulumi up runs the deployment in the stack's subscription (GetClientConfig); zeros here.",
                    ["deployment"] = DeploymentScripts(CodeDeployment.Scripts(environment, PreviewSubscription)),
                },
            },
            ["parameters"] = parameters,
            ["resources"] = resources,
            ["outputs"] = new JsonObject
            {
                [StackEnvironment.Outputs.ResourceGroupName] = Output("string", "[resourceGroup().name]"),
                [StackEnvironment.Outputs.FunctionAppName] = Output("string", app.Name),
                [StackEnvironment.Outputs.FunctionBaseUrl] = Output("string", $"[format('https://{{0}}', {hostName})]"),
                [StackEnvironment.Outputs.DataFactoryName] = Output("string", factory.Name),
                [StackEnvironment.Outputs.PipelineNames] = Output("array", new JsonArray([.. environment.PipelineNames.Select(n => (JsonNode)Literal(n))])),
                [StackEnvironment.Outputs.ApplicationInsightsName] = Output("string", insights.Name),
            },
        };
    }

    private static JsonObject Output(string type, JsonNode value) => new() { ["type"] = type, ["value"] = value };

    /// <summary>The code deployment's scripts in the order pulumi up runs them around the Function App.</summary>
    private static JsonObject DeploymentScripts(CodeDeploymentScripts scripts)
    {
        var steps = new JsonObject();
        if (scripts.BeforeApp is not null)
            steps["beforeApp"] = scripts.BeforeApp;
        steps["afterApp"] = scripts.AfterApp;
        return steps;
    }

    private static string Id(string type, params string[] names) => $"resourceId('{type}', {string.Join(", ", names.Select(n => $"'{n}'"))})";

    private static JsonArray DependsOn(params string[] ids) => new([.. ids.Select(id => (JsonNode)$"[{id}]")]);

    /// <summary>ARM reads a string that starts with '[' as an expression; a literal one is escaped as '[['.</summary>
    private static string Literal(string value) => value.StartsWith('[') ? "[" + value : value;

    private static JsonNode? EscapeLiterals(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, EscapeLiterals(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(EscapeLiterals)]),
        JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String => Literal(value.GetValue<string>()),
        _ => node?.DeepClone(),
    };
}
