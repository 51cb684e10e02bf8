using System.Diagnostics;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Bench;

/// <summary>
/// Every command of the bench (bench/Rosette.Bench) still runs to its summary line, at a size that measures nothing,
/// on SQLite (and the batch, with its COPY baseline, on PostgreSQL): a bench that stops working is found here, not on
/// the day its figure is wanted (the deliveries bench stopped at the provider host check, unnoticed, until session 36
/// of docs/benchmarks.md). <c>scale</c> is left out: its small database alone is 200,000 awards. The bench is built
/// with the tests (a project reference without its assembly).
/// </summary>
public sealed class BenchCommandsTests
{
    public static TheoryData<string> Commands()
    {
        // On the PostgreSQL lane only the batch, whose COPY baseline is PostgreSQL's alone: each command starts its own app
        // on new databases (about six seconds), and the SQLite lane already shows that every command's setup is accepted.
        if (TestDatabase.PostgresLane)
        {
            return new TheoryData<string>("issue-batch --badges 2 --students 5");
        }
        return new TheoryData<string>(
            "issue-batch --badges 2 --students 5",
            "sqlite-keys --rounds 1 --badges 1 --students 5",
            "achievements-throughput --events 50 --users 10",
            "achievements-latency --rate 10 --seconds 1 --warmup 1",
            "issue-http --students 5 --requests 1",
            "roster-page --students 100 --runs 1",
            "roster-badges --badges 3 --runs 1",
            "deliveries --awards 3 --provider-latency-ms 0",
            "webhooks --badges 1 --students 3 --receiver-latency-ms 0",
            "import-roster --rows 5");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_RunsToItsSummaryLine(string commandLine)
    {
        var arguments = commandLine.Split(' ').ToList();
        var name = arguments[0];
        if (name != "sqlite-keys") // SQLite's own comparison; it takes no --database.
        {
            arguments.AddRange(["--database", TestDatabase.PostgresLane ? "postgres" : "sqlite"]);
        }
        var output = await RunAsync(arguments);

        Assert.True(output.ExitCode == 0, $"{commandLine} exited with {output.ExitCode}:\n{output.Stdout}\n{output.Stderr}");
        var summary = output.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Assert.StartsWith($"{name}: ", summary, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments)
    {
        // tests/Rosette.Tests/bin/<configuration>/<framework>/ -> bench/Rosette.Bench/bin/<configuration>/<framework>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var bench = Path.Combine(root, "bench", "Rosette.Bench", "bin", here.Parent!.Name, here.Name, "Rosette.Bench.dll");
        Assert.True(File.Exists(bench), $"The bench is not built at {bench}.");
        // A temporary directory of the lane's own: the bench keeps its SQLite files and its data-protection certificate
        // under the temporary path, and the other lane may run a bench meanwhile.
        var temp = Directory.CreateTempSubdirectory("rosette-bench-commands-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [bench, .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = temp,
            };
            start.Environment["TMPDIR"] = temp;
            // An address no host here can bind (TEST-NET-3, RFC 5737): a bench app that listened where the environment says,
            // or on Kestrel's default localhost:5000 that the other lane's bench may hold, would fail here every time, not
            // only when both lanes start one at once (as CI did at stop 59).
            start.Environment["ASPNETCORE_URLS"] = "http://203.0.113.1:1";
            if (TestDatabase.PostgresLane)
            {
                start.Environment["ROSETTE_BENCH_POSTGRES"] = TestDatabase.PostgresServer;
            }
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the bench.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().Within($"the bench command {string.Join(' ', arguments)} to end");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
