namespace Smoke;

/// <summary>
/// A Data Factory started on this machine for <c>--local</c>, by whoever calls <see cref="SmokeCommand.Create"/> with a
/// starter (deploy/local/LocalEnvironment's smoke verb); disposing it stops it.
/// </summary>
public interface ILocalFactory : IAsyncDisposable
{
    /// <summary>Where its ARM-shaped Data Factory API is.</summary>
    Uri ManagementEndpoint { get; }

    /// <summary>Where the functions its pipelines call are.</summary>
    Uri FunctionBaseUrl { get; }

    /// <summary>Its run operations, through an ARM client for its endpoint.</summary>
    DataFactoryRuns Runs();
}
