using ExclusiveOperations.LocalTooling;

namespace ExclusiveOperations.LocalHost.Tests;

/// <summary>
/// One Azurite per test class (<c>IClassFixture</c>), so that the classes run in parallel (xunit runs each class as a
/// collection of its own); each test starts its own host(s) on its own task hub.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public string ConnectionString => (_server ?? throw new InvalidOperationException("Azurite is not started.")).ConnectionString;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The keys of the app under test: every host the tests start checks them (scale-out hosts share keys).</summary>
    public FunctionKeys Keys { get; } = FunctionKeys.Generate();

    /// <summary>Task hub names: 3-45 letters and digits, starting with a letter.</summary>
    public static string NewTaskHub() => "t" + Guid.NewGuid().ToString("N")[..20];

    public async Task InitializeAsync() => _server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
