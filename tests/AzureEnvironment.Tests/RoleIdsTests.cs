
namespace AzureEnvironment.Tests;

/// <summary>Role assignment names that a re-created stack finds again, and role definition ids in the subscription form.</summary>
public sealed class RoleIdsTests
{
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-111122223333";
    private const string Principal = "a0a0a0a0-0000-4000-8000-000000000002";
    private const string Scope = $"/subscriptions/{Subscription}/resourceGroups/rg-exops-dev/providers/Microsoft.Storage/storageAccounts/stexopsdev";
    private static readonly string Role = RoleIds.Definition(Subscription, Roles.StorageBlobDataOwner);

    [Fact]
    public void Name_based_guids_are_rfc_4122_version_5()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        Assert.Equal(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"), RoleIds.NameBased(new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"));
    }

    [Fact]
    public void An_assignment_name_is_a_stable_version_5_guid()
    {
        var name = RoleIds.AssignmentName(Scope, Principal, Role);
        Assert.Equal(name, RoleIds.AssignmentName(Scope, Principal, Role));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", name);
    }

    [Fact]
    public void The_name_changes_with_scope_principal_or_role_and_with_nothing_else()
    {
        var name = RoleIds.AssignmentName(Scope, Principal, Role);
        Assert.NotEqual(name, RoleIds.AssignmentName(Scope + "/blobServices/default/containers/app-package", Principal, Role));
        Assert.NotEqual(name, RoleIds.AssignmentName(Scope, "f0f0f0f0-0000-4000-8000-000000000003", Role));
        Assert.NotEqual(name, RoleIds.AssignmentName(Scope, Principal, RoleIds.Definition(Subscription, Roles.StorageQueueDataContributor)));
        // Spellings Azure treats as the same: case and a trailing '/' of the scope, the principal's case, the role id's form.
        Assert.Equal(name, RoleIds.AssignmentName(Scope.ToUpperInvariant() + "/", Principal.ToUpperInvariant(), Role));
        Assert.Equal(name, RoleIds.AssignmentName(Scope, Principal, Roles.StorageBlobDataOwner));
        Assert.Equal(name, RoleIds.AssignmentName(Scope, Principal, $"/subscriptions/{Subscription}/resourceGroups/rg/providers/Microsoft.Authorization/roleDefinitions/{Roles.StorageBlobDataOwner.ToUpperInvariant()}"));
    }

    [Fact]
    public void The_name_is_what_arm_guid_makes_of_the_same_values()
    {
        // uuid5(ARM's guid() namespace, "-".join(args)), computed with Python's uuid module.
        var scope = $"/subscriptions/{Subscription}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st";
        Assert.Equal("ab519035-639b-540a-9a10-cdbfdcec97c0", RoleIds.AssignmentName(scope, Principal, Roles.StorageBlobDataContributor));
    }

    [Fact]
    public void Role_definitions_are_in_the_subscription_form_and_ids_are_checked()
    {
        var keyReader = "5d1c2e3f-0000-5000-8000-000000000001";
        Assert.Equal($"/subscriptions/{Subscription}/providers/Microsoft.Authorization/roleDefinitions/{keyReader}", RoleIds.Definition(Subscription, keyReader));
        Assert.Throws<ArgumentException>(() => RoleIds.Definition("sub", keyReader));
        Assert.Throws<ArgumentException>(() => RoleIds.Definition(Subscription, "function-key-reader"));
        Assert.Throws<ArgumentException>(() => RoleIds.AssignmentName(Scope, "app-principal", Role));
        Assert.Throws<ArgumentException>(() => RoleIds.AssignmentName("", Principal, Role));
        Assert.Throws<ArgumentException>(() => RoleIds.AssignmentName(Scope, Principal, "/roleDefinitions/x"));
    }
}
