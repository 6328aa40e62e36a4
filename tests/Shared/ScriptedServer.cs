using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tests.Shared;

/// <summary>A real HTTP server on loopback whose answers a test scripts, one per request, in order.</summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    public sealed record Answer(int Status, string Body = "", Dictionary<string, string>? Headers = null, TimeSpan? Delay = null, bool Hang = false);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Answer> _answers = new();
    private readonly CancellationTokenSource _stop = new();

    public ScriptedServer()
    {
        // Kestrel binds port 0 itself: no free port is picked beforehand that a parallel test could take first.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Urls.Add("http://127.0.0.1:0");
        _app.Run(AnswerAsync);
        _app.StartAsync().GetAwaiter().GetResult();
        // After the start, Urls holds the address Kestrel bound, with its port.
        BaseUrl = new Uri(_app.Urls.Single().TrimEnd('/') + "/");
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<(string Method, string Path, string Body, Dictionary<string, string> Headers)> Requests { get; } = new();

    public ScriptedServer Then(Answer answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue((context.Request.Method, context.Request.Path + context.Request.QueryString, body, headers));
        var answer = _answers.TryDequeue(out var next) ? next : new Answer(599, "no scripted answer left");
        try
        {
            if (answer.Hang)
                await Task.Delay(Timeout.Infinite, _stop.Token);
            if (answer.Delay is { } delay)
                await Task.Delay(delay, _stop.Token);
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? [])
                context.Response.Headers.Append(name, value.Replace("{base}", BaseUrl.ToString().TrimEnd('/')));
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Body));
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
    }
}
