// Pulumi 3.107.3's Deployment (run and test entry points), DeploymentInstance and Config, declared from the SDK's
// public API for compiling against.
using System.Collections.Immutable;
using Pulumi.Testing;

namespace Pulumi;

public sealed class Deployment
{
    private Deployment() { }

    public static DeploymentInstance Instance => throw Surface.Only();

    public static Task<int> RunAsync(Action action) => throw Surface.Only();
    public static Task<int> RunAsync(Func<IDictionary<string, object?>> func) => throw Surface.Only();
    public static Task<int> RunAsync(Func<Task> func) => throw Surface.Only();
    public static Task<int> RunAsync(Func<Task<IDictionary<string, object?>>> func, StackOptions? options = null) => throw Surface.Only();
    public static Task<int> RunAsync<TStack>() where TStack : Stack, new() => throw Surface.Only();
    public static Task<int> RunAsync<TStack>(IServiceProvider serviceProvider) where TStack : Stack => throw Surface.Only();

    public static Task<ImmutableArray<Resource>> TestWithServiceProviderAsync<TStack>(IMocks mocks, IServiceProvider serviceProvider, TestOptions? options = null) where TStack : Stack => throw Surface.Only();
    public static Task<ImmutableArray<Resource>> TestAsync<TStack>(IMocks mocks, TestOptions? options = null) where TStack : Stack, new() => throw Surface.Only();
    public static Task<(ImmutableArray<Resource> Resources, IDictionary<string, object?> Outputs)> TestAsync(IMocks testMocks, TestOptions testOptions, Func<Task<IDictionary<string, object?>>> createResources) => throw Surface.Only();
    public static Task<(ImmutableArray<Resource> Resources, IDictionary<string, object?> Outputs)> TestAsync(IMocks testMocks, TestOptions testOptions, Func<IDictionary<string, object?>> createResources) => throw Surface.Only();
    public static Task<ImmutableArray<Resource>> TestAsync(IMocks testMocks, TestOptions testOptions, Func<Task> createResources) => throw Surface.Only();
    public static Task<ImmutableArray<Resource>> TestAsync(IMocks testMocks, TestOptions testOptions, Action createResources) => throw Surface.Only();
}

public sealed class DeploymentInstance
{
    private DeploymentInstance() { }

    public string StackName => throw Surface.Only();
    public string ProjectName => throw Surface.Only();
    public string RootDirectory => throw Surface.Only();
    public string OrganizationName => throw Surface.Only();
    public bool IsDryRun => throw Surface.Only();

    public Task<T> InvokeAsync<T>(string token, InvokeArgs args, InvokeOptions? options = null) => throw Surface.Only();
    public Task<T> InvokeSingleAsync<T>(string token, InvokeArgs args, InvokeOptions? options = null) => throw Surface.Only();
    public Output<T> Invoke<T>(string token, InvokeArgs args, InvokeOptions? options = null) => throw Surface.Only();
    public Output<T> Invoke<T>(string token, InvokeArgs args, InvokeOutputOptions options) => throw Surface.Only();
    public Task InvokeAsync(string token, InvokeArgs args, InvokeOptions? options = null) => throw Surface.Only();
}

public sealed class Config
{
    public Config(string? name = null) => throw Surface.Only();

    public string? Get(string key) => throw Surface.Only();
    public Output<string>? GetSecret(string key) => throw Surface.Only();
    public bool? GetBoolean(string key) => throw Surface.Only();
    public Output<bool>? GetSecretBoolean(string key) => throw Surface.Only();
    public int? GetInt32(string key) => throw Surface.Only();
    public Output<int>? GetSecretInt32(string key) => throw Surface.Only();
    public double? GetDouble(string key) => throw Surface.Only();
    public Output<double>? GetSecretDouble(string key) => throw Surface.Only();
    public T GetObject<T>(string key) => throw Surface.Only();
    public Output<T>? GetSecretObject<T>(string key) => throw Surface.Only();
    public string Require(string key) => throw Surface.Only();
    public Output<string> RequireSecret(string key) => throw Surface.Only();
    public bool RequireBoolean(string key) => throw Surface.Only();
    public Output<bool> RequireSecretBoolean(string key) => throw Surface.Only();
    public int RequireInt32(string key) => throw Surface.Only();
    public Output<int> RequireSecretInt32(string key) => throw Surface.Only();
    public double RequireDouble(string key) => throw Surface.Only();
    public Output<double> RequireSecretDouble(string key) => throw Surface.Only();
    public T RequireObject<T>(string key) => throw Surface.Only();
    public Output<T> RequireSecretObject<T>(string key) => throw Surface.Only();
}
