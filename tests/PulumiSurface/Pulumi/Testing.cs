// Pulumi 3.107.3's Pulumi.Testing (mocks for Deployment.TestAsync), declared from the SDK's public API for compiling against.
using System.Collections.Immutable;

namespace Pulumi.Testing;

public interface IMocks
{
    Task<(string? id, object state)> NewResourceAsync(MockResourceArgs args);
    Task<object> CallAsync(MockCallArgs args);
    Task RegisterResourceOutputs(MockRegisterResourceOutputsRequest args) => Task.CompletedTask;
}

public class MockResourceArgs
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    public ImmutableDictionary<string, object> Inputs { get; set; } = null!;
    public string? Provider { get; set; }
    public string? Id { get; set; }
}

public class MockCallArgs
{
    public string? Token { get; set; }
    public ImmutableDictionary<string, object> Args { get; set; } = null!;
    public string? Provider { get; set; }
}

public class MockRegisterResourceOutputsRequest
{
    public MockRegisterResourceOutputsRequest(string urn, ImmutableDictionary<string, Output<object?>> outputs) => throw Surface.Only();

    public readonly string Urn = null!;
    public readonly ImmutableDictionary<string, Output<object?>> Outputs = null!;
}

public class TestOptions
{
    public string? ProjectName { get; set; }
    public string? RootDirectory { get; set; }
    public string? StackName { get; set; }
    public bool? IsPreview { get; set; }
    public string? OrganizationName { get; set; }
}
