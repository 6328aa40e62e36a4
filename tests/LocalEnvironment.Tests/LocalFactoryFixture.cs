using Smoke;

namespace LocalEnvironment.Tests;

/// <summary>One Azurite and one local host (HTTPS management API, token, generated pipelines) for the tests of a class.</summary>
public sealed class LocalFactoryFixture : IAsyncLifetime
{
    public static readonly string PipelineFolder = Path.Combine(AppContext.BaseDirectory, "generated");

    public LocalFactory Local { get; private set; } = null!;

    public DataFactoryRuns Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Local = await LocalFactory.StartAsync(PipelineFolder, CancellationToken.None);
        Factory = Local.Runs();
    }

    public async Task DisposeAsync() => await Local.DisposeAsync();
}
