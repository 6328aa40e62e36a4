using System.Security.Cryptography;
using System.Text;

namespace AzureEnvironment;

/// <summary>Who gets a role.</summary>
public enum Principal
{
    /// <summary>The Function App's system-assigned identity.</summary>
    FunctionApp,

    /// <summary>The Data Factory's system-assigned identity.</summary>
    DataFactory,

    /// <summary>
    /// Whoever deploys (a user or the CI service principal; the azure-native provider's identity): on Elastic Premium
    /// uploads the package blob with Entra ID during <c>pulumi up</c>, with a token the provider gets.
    /// </summary>
    Deployer,
}

/// <summary>Where a role is assigned.</summary>
public enum RoleScope
{
    StorageAccount,
    DeploymentContainer,
    FunctionApp,
}

/// <summary>One role assignment, and why it is needed.</summary>
/// <param name="RoleDefinitionId">A built-in role's GUID, or the custom role's id (<see cref="CustomRoleSpec.Id"/>).</param>
public sealed record RoleAssignmentSpec(string Key, Principal Principal, string RoleDefinitionId, string RoleName, RoleScope Scope, string Why);

/// <summary>
/// The least-privilege role assignments. Built-in role ids:
/// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage
/// </summary>
public static class Roles
{
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

    /// <summary>
    /// The one action the factory's identity needs: list the StartOperation function's keys
    /// (resource provider operations: "microsoft.web/sites/functions/listkeys/action | List Function keys").
    /// </summary>
    public const string ListFunctionKeysAction = "Microsoft.Web/sites/functions/listkeys/action";

    public static IReadOnlyList<RoleAssignmentSpec> For(CustomRoleSpec functionKeyReader, HostingPlan plan) =>
    [
        // Durable Functions on the Azure Storage provider with an identity-based AzureWebJobsStorage: the host's
        // blob leases and the task hub's blobs (Owner, as the Functions docs list for AzureWebJobsStorage), its
        // queues and tables; the lock blobs and the deployment package are blobs of the same account.
        // https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-configure-managed-identity
        new("app-blob-owner", Principal.FunctionApp, StorageBlobDataOwner, "Storage Blob Data Owner", RoleScope.StorageAccount,
            "Host storage, task hub blobs, lock blobs; the package (Flex: written to the deployment container by One Deploy; Premium: the run-from-package blob)."),
        new("app-queue-contributor", Principal.FunctionApp, StorageQueueDataContributor, "Storage Queue Data Contributor", RoleScope.StorageAccount,
            "Durable Functions' control and work-item queues."),
        new("app-table-contributor", Principal.FunctionApp, StorageTableDataContributor, "Storage Table Data Contributor", RoleScope.StorageAccount,
            "Durable Functions' history and instance tables."),
        new("factory-function-keys", Principal.DataFactory, functionKeyReader.Id, functionKeyReader.RoleName, RoleScope.FunctionApp,
            "The pipeline reads the StartOperation key at run time (Web activity with MSI authentication); nothing else on the app."),
        // Elastic Premium runs from the package blob (an app without an Azure Files share must), which the deployer
        // uploads with Entra ID (a storage token of the azure-native provider, see CodeDeployment): the provider's Blob
        // resource writes with the account key, which this account refuses (pulumi/pulumi-azure-native#3719, #2015).
        // On Flex Consumption One Deploy (az functionapp deployment source config-zip) hands the zip to the app, which
        // writes it to its deployment container with its own identity.
        .. plan == HostingPlan.Premium
            ? [new RoleAssignmentSpec("deployer-package-upload", Principal.Deployer, StorageBlobDataContributor, "Storage Blob Data Contributor", RoleScope.DeploymentContainer,
                "The deployer uploads the run-from-package blob and deletes the old ones with Entra ID (the account allows no shared key); only in the deployment container.")]
            : Array.Empty<RoleAssignmentSpec>(),
    ];
}

/// <summary>Role definition ids and role assignment names as Azure Resource Manager spells them.</summary>
public static class RoleIds
{
    /// <summary>
    /// The namespace of ARM's and Bicep's <c>guid()</c> (a name-based, version 5 UUID over the arguments joined with
    /// '-'), so a name made here is the one <c>guid(scope, principalId, roleGuid)</c> makes in a template.
    /// </summary>
    public static readonly Guid ArmGuidNamespace = new("11fb06fb-712d-4ddd-98c7-e71bbd588830");

    /// <summary>
    /// A role definition (built-in or this stack's custom role, by its GUID) in the subscription form a role assignment
    /// takes: <c>/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}</c>. A custom role
    /// created at resource group scope reports a resource-group-scoped id, which a role assignment reads back in the
    /// subscription form, so passing that id would be a diff on every refresh.
    /// </summary>
    public static string Definition(string subscriptionId, string roleGuid)
    {
        if (!Guid.TryParse(subscriptionId, out var subscription))
            throw new ArgumentException($"'{subscriptionId}' is not a subscription id (a GUID).", nameof(subscriptionId));
        if (!Guid.TryParse(roleGuid, out var role))
            throw new ArgumentException($"'{roleGuid}' is not a role definition GUID.", nameof(roleGuid));
        return $"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}";
    }

    /// <summary>
    /// The name of a role assignment: the same GUID every time for the same scope, principal and role, so a stack
    /// whose state was lost, or that is created again, gets the name of the assignment already there instead of a
    /// second random one that Azure refuses (<c>RoleAssignmentExists</c>). Case and a trailing '/' of the scope, and
    /// the form of the role definition id (GUID or any resource id ending in it), do not change the name.
    /// </summary>
    public static string AssignmentName(string scope, string principalId, string roleDefinitionId)
    {
        if (string.IsNullOrWhiteSpace(scope))
            throw new ArgumentException("The scope is empty.", nameof(scope));
        if (!Guid.TryParse(principalId, out var principal))
            throw new ArgumentException($"'{principalId}' is not a principal (object) id.", nameof(principalId));
        var roleGuid = roleDefinitionId.TrimEnd('/').Split('/')[^1];
        if (!Guid.TryParse(roleGuid, out var role))
            throw new ArgumentException($"'{roleDefinitionId}' does not end in a role definition GUID.", nameof(roleDefinitionId));
        return NameBased(ArmGuidNamespace, $"{scope.TrimEnd('/').ToLowerInvariant()}-{principal}-{role}").ToString();
    }

    /// <summary>A name-based UUID, version 5 (SHA-1), RFC 4122 section 4.3 / RFC 9562 section 5.5.</summary>
    public static Guid NameBased(Guid namespaceId, string name)
    {
        var input = namespaceId.ToByteArray(bigEndian: true).Concat(Encoding.UTF8.GetBytes(name)).ToArray();
        var hash = SHA1.HashData(input)[..16];
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true);
    }
}
