using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// Rosette as a real separate process (the built Rosette.dll) on a real port, so that a test can kill it with SIGKILL
/// in the middle of its work and start it again on the same database.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _watches = [];

    private AppProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts Rosette and waits until it is healthy. A setting whose value is empty is removed (the app's default then
    /// applies); <paramref name="arguments"/> follow the listening address on the command line.
    /// </summary>
    public static async Task<AppProcess> StartAsync(TestDatabase database, IDictionary<string, string>? settings = null, params string[] arguments)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Rosette.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(Path.GetTempPath(), "rosette-tests"),
        };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Rosette__Database__Provider"] = database.Provider,
            ["ConnectionStrings__Rosette"] = database.ConnectionString,
            ["Rosette__Bootstrap__AdminEmail"] = RosetteFactory.AdminEmail,
            ["Rosette__Bootstrap__AdminPassword"] = RosetteFactory.AdminPassword,
            ["Rosette__DataProtection__CertificatePath"] = RosetteFactory.CertificatePath,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        foreach (var (key, value) in environment.Where(e => e.Value.Length > 0))
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Rosette.");
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilHealthyAsync();
        }
        catch
        {
            // A process that never became healthy must not outlive the test, still polling the database and using a core.
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>Completes when a line of the process's output contains <paramref name="text"/> (one already written counts).</summary>
    public Task OutputAsync(string text)
    {
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watches.Add((text, seen));
            return seen.Task;
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>SIGKILL: no shutdown, no flush, no finally blocks.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        // A bound for a start that is broken, not a timing: a cold process on a busy two-core machine can take a minute.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // HasExited can be seen before the last lines of its output were read: waiting for the exit also drains them.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"Rosette exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Still starting.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Rosette did not become healthy:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var watch in _watches.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                watch.Seen.TrySetResult();
                _watches.Remove(watch);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
