using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>
/// One Azurite per test class (<c>IClassFixture</c>), so that the classes run in parallel (xunit runs each class as a
/// collection of its own): a local stack without a host of its own, since each test starts its own host(s), with the
/// settings it tests, on its own task hub.
/// </summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    private LocalStack? _stack;

    private LocalStack Stack => _stack ?? throw new InvalidOperationException("Azurite is not started.");

    public string ConnectionString => Stack.Azurite.ConnectionString;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The keys of the app under test: every host the tests start checks them (scale-out hosts share keys).</summary>
    public FunctionKeys Keys => Stack.Keys;

    /// <summary>Task hub names: 3-45 letters and digits, starting with a letter.</summary>
    public static string NewTaskHub() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A host of the app under test on this Azurite; the test owns it (stops, kills or restarts it).</summary>
    public Task<LocalHostProcess> StartHostAsync(string taskHub, IReadOnlyDictionary<string, string>? settings = null, int? port = null) =>
        Stack.StartHostAsync(taskHub, settings, port);

    public async Task InitializeAsync() => _stack = await LocalStack.StartAsync(new LocalStackOptions { StartHost = false });

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_stack is not null)
            await _stack.DisposeAsync();
    }
}
