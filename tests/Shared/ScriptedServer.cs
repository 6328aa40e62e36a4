using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tests.Shared;

/// <summary>A real HTTP server on loopback whose answers a test scripts, one per request, in order.</summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    public sealed record Answer(int Status, string Body = "", Dictionary<string, string>? Headers = null, TimeSpan? Delay = null, bool Hang = false);

    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<Answer> _answers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScriptedServer()
    {
        // HttpListener cannot bind port 0: a free port is picked first, and another process may take it before the
        // listener binds it (tests run in parallel); then another port, a few times.
        for (var attempt = 1; ; attempt++)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{FreePort()}/");
            _listener = new HttpListener();
            _listener.Prefixes.Add(BaseUrl.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Close();
            }
        }
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<(string Method, string Path, string Body, Dictionary<string, string> Headers)> Requests { get; } = new();

    public ScriptedServer Then(Answer answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var body = await reader.ReadToEndAsync();
        Requests.Enqueue((context.Request.HttpMethod, context.Request.Url!.PathAndQuery, body,
            context.Request.Headers.AllKeys.ToDictionary(k => k!, k => context.Request.Headers[k]!)));
        var answer = _answers.TryDequeue(out var next) ? next : new Answer(599, "no scripted answer left");
        try
        {
            if (answer.Hang)
                await Task.Delay(Timeout.Infinite, _stop.Token);
            if (answer.Delay is { } delay)
                await Task.Delay(delay, _stop.Token);
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? [])
                context.Response.AddHeader(name, value.Replace("{base}", BaseUrl.ToString().TrimEnd('/')));
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (OperationCanceledException)
        {
            context.Response.Abort();
        }
        catch (HttpListenerException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        _listener.Close();
    }
}
