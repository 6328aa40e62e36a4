using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using ExclusiveOperations.Operations;
using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>A repeated POST (a Web activity retrying after a lost answer) starts nothing new.</summary>
public sealed class IdempotentStartTests(LocalStackFixture azurite) : IClassFixture<LocalStackFixture>, IAsyncLifetime
{
    private readonly string _ledgerContainer = $"ledger-{Guid.NewGuid():N}"[..20];
    private LocalHostProcess _host = null!;

    public async Task InitializeAsync()
    {
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_ledgerContainer).CreateAsync();
        _host = await azurite.StartHostAsync(LocalStackFixture.NewTaskHub(),
            new Dictionary<string, string> { [DataContainers.Setting] = _ledgerContainer });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> PostAsync(string blob, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.BaseUrl, $"/api/operations/append?requestId={Uri.EscapeDataString(requestId)}"))
        {
            Content = JsonContent.Create(new { container = _ledgerContainer, blob, entries = 3, intervalSeconds = 0.1 }),
        };
        request.Headers.Add(DurableHttpClient.FunctionKeyHeader, azurite.Keys.FunctionKey);
        return await azurite.Http.SendAsync(request);
    }

    private async Task<int> LedgerLinesAsync(string blob)
    {
        var text = (await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_ledgerContainer).GetBlobClient(blob).DownloadContentAsync()).Value.Content.ToString();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    [Fact]
    public async Task The_same_POST_twice_and_again_after_the_end_gives_one_instance_and_one_operation()
    {
        using var first = await PostAsync("twice", "run-1-attempt-1");
        using var second = await PostAsync("twice", "run-1-attempt-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Contains("token=", first.Headers.Location!.Query);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());

        var client = new DurableHttpClient(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));
        var run = await client.PollAsync(first.Headers.Location!, TimeSpan.FromSeconds(120));
        Assert.Equal("OK", run.OutcomeStatus);

        // Once it ended, the same POST still answers 202 with the same status URL, which answers 200: nothing runs again.
        using var late = await PostAsync("twice", "run-1-attempt-1");
        Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
        Assert.Equal(first.Headers.Location, late.Headers.Location);
        using var status = await azurite.Http.GetAsync(late.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, await LedgerLinesAsync("twice"));

        // The next attempt of the same run is a new request.
        using var next = await PostAsync("twice", "run-1-attempt-2");
        Assert.NotEqual(first.Headers.Location, next.Headers.Location);
    }

    [Fact]
    public async Task Ten_identical_POSTs_at_once_start_one_instance_and_the_operation_once()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostAsync("parallel", "run-2-attempt-1")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Single(answers.Select(a => a.Headers.Location).Distinct());
        var client = new DurableHttpClient(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));
        var run = await client.PollAsync(answers[0].Headers.Location!, TimeSpan.FromSeconds(120));
        Assert.Equal("OK", run.OutcomeStatus);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, await LedgerLinesAsync("parallel"));
        foreach (var answer in answers)
            answer.Dispose();
    }
}
