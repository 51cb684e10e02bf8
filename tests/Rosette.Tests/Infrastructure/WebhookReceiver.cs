using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A webhook receiver on loopback (Kestrel in the test process), as an integrator would run one: every request is kept
/// with its headers and body; a path may be told to answer 500 (<see cref="FailTimes"/>, <see cref="AlwaysFail"/>) or to
/// hold its answer until released (<see cref="Hold"/>), and <see cref="Latency"/> delays every answer (the benchmark's 50 ms).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<string, bool> _alwaysFail = new();
    private readonly ConcurrentDictionary<string, HeldAnswer> _holds = new();
    private readonly ConcurrentDictionary<string, (string ContentType, int Bytes)> _strange = new();

    public sealed record Received(string Path, string Id, string Timestamp, string Signature, string Body, HeaderDictionary Headers, int AnsweredWith);

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    public string Url(string path) => $"{_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}/{path}";

    public TimeSpan Latency { get; set; }

    public IReadOnlyList<Received> All => [.. _received];

    public IReadOnlyList<Received> At(string path) => _received.Where(r => r.Path == path).ToList();

    /// <summary>The next <paramref name="times"/> requests to the path answer 500.</summary>
    public void FailTimes(string path, int times) => _failures[path] = times;

    public void AlwaysFail(string path, bool fail) => _alwaysFail[path] = fail;

    /// <summary>Every request to the path answers 500 with a body of <paramref name="bytes"/> bytes of <paramref name="contentType"/>.</summary>
    public void AnswerStrangely(string path, string contentType, int bytes) => _strange[path] = (contentType, bytes);

    /// <summary>The next request to the path waits for <see cref="HeldAnswer.Release"/> before answering (200).</summary>
    public HeldAnswer Hold(string path) => _holds[path] = new HeldAnswer();

    private async Task HandleAsync(HttpContext context, string path)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
        }
        if (_holds.TryRemove(path, out var hold))
        {
            await hold.ArriveAsync();
        }
        bool fail;
        lock (_failures)
        {
            var left = _failures.GetValueOrDefault(path);
            fail = _alwaysFail.GetValueOrDefault(path) || left > 0;
            if (left > 0)
            {
                _failures[path] = left - 1;
            }
        }
        var headers = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value));
        var strange = _strange.TryGetValue(path, out var answer);
        var status = fail || strange ? 500 : 200;
        _received.Enqueue(new Received(path, context.Request.Headers["webhook-id"].ToString(), context.Request.Headers["webhook-timestamp"].ToString(),
            context.Request.Headers["webhook-signature"].ToString(), body, headers, status));
        context.Response.StatusCode = status;
        if (strange)
        {
            context.Response.Headers.ContentType = answer.ContentType;
            var chunk = System.Text.Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            for (var written = 0; written < answer.Bytes && !context.RequestAborted.IsCancellationRequested; written += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, answer.Bytes - written)), context.RequestAborted);
            }
            return;
        }
        await context.Response.WriteAsync(fail ? "receiver down" : "ok");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hold in _holds.Values)
        {
            hold.Release();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A request held by <see cref="WebhookReceiver.Hold"/>: <see cref="Arrived"/> once it is in, answered on <see cref="Release"/>.</summary>
public sealed class HeldAnswer
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the held request has arrived: its sender is waiting for the answer.</summary>
    public Task Arrived => _arrived.Task;

    public void Release() => _released.TrySetResult();

    internal Task ArriveAsync()
    {
        _arrived.TrySetResult();
        return _released.Task;
    }
}
