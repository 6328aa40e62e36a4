namespace LocalFunctionHost;

/// <summary>Settings of the local host, bound from configuration section <c>LocalHost</c> (or --LocalHost:Name=value).</summary>
public sealed class LocalHostOptions
{
    public const string Section = "LocalHost";

    /// <summary>A named set of timing defaults (<see cref="LocalHostProfiles"/>): <c>fast</c> (default) or <c>azure</c>.</summary>
    public string? Profile { get; set; }

    /// <summary>The task hub (in Azure, host.json's <c>durableTask.hubName</c> reads it from the TaskHubName app setting, one per stack).</summary>
    public string TaskHubName { get; set; } = "ExclusiveOperations";

    /// <summary>
    /// The longest the backend waits between queue polls when idle. Azure Functions defaults to 30 s;
    /// locally a short interval keeps round trips fast, at the cost of more (free) emulator requests.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a host's hold on a task hub partition lasts without renewal: after a crash, another host
    /// (or the restarted one) takes over the crashed host's orchestrations after at most this long.
    /// </summary>
    public TimeSpan PartitionLeaseInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dequeued message stays invisible before another host may take it. The backend renews it
    /// while working; after a crash, the message comes back after at most this long (Azure's default is 5 min).
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Tell held status polls of each run state this host commits (<c>RunCommits</c>), so they read the run once when it
    /// changed. False: polls re-read on the lateness schedule, as in the Function App (whose Durable host commits in
    /// another process); <c>./build.sh bench-host</c> measures both side by side.
    /// </summary>
    public bool AnnounceCommits { get; set; } = true;

    /// <summary>
    /// The <c>Retry-After</c> of 202 answers on the operators' built-in status route
    /// (<c>/runtime/webhooks/durabletask/instances/{id}</c>): 5 s, as the Durable extension's HttpApiHandler sends. The runs'
    /// own status URLs (<c>/api/runs/{id}</c>) compute theirs (<c>ExclusiveOperations:Status</c>).
    /// </summary>
    public int StatusRetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// The starter's function key (<c>x-functions-key</c> header or <c>code</c> query), checked like Azure checks
    /// an <c>AuthorizationLevel.Function</c> trigger. Pass it through the environment (<c>LocalHost__FunctionKey</c>),
    /// not the command line; when unset, the host makes random keys and writes them to <see cref="KeysFile"/>.
    /// </summary>
    public string? FunctionKey { get; set; }

    /// <summary>The Durable extension's system key: the operators' built-in status and terminate routes take it as <c>code</c>, as in Azure.</summary>
    public string? SystemKey { get; set; }

    /// <summary>Where random keys are written (owner-only file) when none are configured; never printed.</summary>
    public string KeysFile { get; set; } = Path.Combine("out", "local-host", "keys.json");

    /// <summary>
    /// Where the app's spans are written, one JSON object a line (docs/tracing.md); none when unset. <c>./build.sh local</c>
    /// sets it and merges the file with the runner's into <c>out/local/traces.json</c>.
    /// </summary>
    public string? TraceFile { get; set; }

    /// <summary>
    /// Start the Aspire dashboard (<c>./build.sh host --trace</c>) and send the app's spans and metrics to it over OTLP; it
    /// stops with the host.
    /// </summary>
    public bool Trace { get; set; }

    /// <summary>Start a private Azurite (in <c>AzuriteLocation</c>) instead of using <c>AzureWebJobsStorage</c>.</summary>
    public bool StartAzurite { get; set; }

    /// <summary>Azurite's data folder when <see cref="StartAzurite"/>; kept between runs so state survives restarts.</summary>
    public string AzuriteLocation { get; set; } = Path.Combine("out", "azurite");
}
