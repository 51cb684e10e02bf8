using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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
    private readonly List<(string Text, TaskCompletionSource Seen, bool Freeze)> _watches = [];
    private readonly List<Thread> _readers = [];

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
        var app = Launch(database, settings, arguments);
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

    /// <summary>Starts Rosette as <see cref="StartAsync"/> does, without waiting for it to become healthy.</summary>
    public static AppProcess Launch(TestDatabase database, IDictionary<string, string>? settings = null, params string[] arguments)
    {
        var port = FreePort();
        return Launch(database, settings, port, ["--urls", $"http://127.0.0.1:{port}", .. arguments]);
    }

    /// <summary>Runs a command (<c>migrate</c>, <c>users create</c>...) as an operator types it: the verb first, nothing served.</summary>
    public static AppProcess LaunchCommand(TestDatabase database, IDictionary<string, string>? settings, params string[] command) =>
        Launch(database, settings, FreePort(), command);

    private static AppProcess Launch(TestDatabase database, IDictionary<string, string>? settings, int port, string[] commandLine)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Rosette.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. commandLine])
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
        app.ReadOnOwnThread(process.StandardOutput);
        app.ReadOnOwnThread(process.StandardError);
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
            _watches.Add((text, seen, false));
            return seen.Task;
        }
    }

    /// <summary>
    /// Stops the process (SIGSTOP) as soon as a line of its output contains <paramref name="text"/>, from the thread that
    /// reads that line, before the test's own threads are involved; completes once it is stopped. The process can still
    /// be killed. A line already written does not count.
    /// </summary>
    public Task FreezeOnOutputAsync(string text)
    {
        lock (_output)
        {
            var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watches.Add((text, frozen, true));
            return frozen.Task;
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = Patience.Bound };

    /// <summary>SIGTERM, as a service manager stops Rosette; completes with the exit code once all its output is read.</summary>
    public async Task<int> TerminateAsync()
    {
        if (Signal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"SIGTERM failed: errno {Marshal.GetLastPInvokeError()}");
        }
        await _process.WaitForExitAsync().Within("Rosette to exit after SIGTERM");
        await DrainedAsync();
        return _process.ExitCode;
    }

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
        // A bound for a start that is broken, not a timing: a cold process's first answer (JIT, the first database
        // connection) can take minutes on a busy machine, so each request may use what is left of the bound.
        using var client = new HttpClient { BaseAddress = Address, Timeout = Timeout.InfiniteTimeSpan };
        var deadline = DateTime.UtcNow + Patience.Bound;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // HasExited can be seen before the last lines of its output were read.
                await _process.WaitForExitAsync();
                await DrainedAsync();
                throw new InvalidOperationException($"Rosette exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var left = new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(1, (deadline - DateTime.UtcNow).Ticks)));
                if ((await client.GetAsync("/health", left.Token)).StatusCode == HttpStatusCode.OK)
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
                if (watch.Freeze && Signal(_process.Id, SigStop) != 0)
                {
                    watch.Seen.TrySetException(new InvalidOperationException($"SIGSTOP failed: errno {Marshal.GetLastPInvokeError()}"));
                    _watches.Remove(watch);
                    continue;
                }
                watch.Seen.TrySetResult();
                _watches.Remove(watch);
            }
        }
    }

    /// <summary>
    /// Reads the process's output line by line on a dedicated thread: each line is seen as soon as it is written, even
    /// when the test's thread pool is busy, so that <see cref="FreezeOnOutputAsync"/> stops the process right there.
    /// </summary>
    private void ReadOnOwnThread(StreamReader reader)
    {
        var thread = new Thread(() =>
        {
            while (reader.ReadLine() is { } line)
            {
                Append(line);
            }
        }) { IsBackground = true, Name = $"Rosette {_process.Id} output" };
        _readers.Add(thread);
        thread.Start();
    }

    /// <summary>Waits until the output of a process that exited is read to its end.</summary>
    private Task DrainedAsync() => Task.Run(() => _readers.ForEach(t => t.Join()));

    private const int SigTerm = 15;

    private const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
