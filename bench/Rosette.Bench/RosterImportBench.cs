using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rosette.Features.Classes;

namespace Rosette.Bench;

/// <summary>
/// import-roster: the API's roster import handler on a CSV of N rows, every tenth an existing student of the class's
/// organization and the rest new students: first the preview (nothing written), then the import.
/// </summary>
internal static class RosterImportBench
{
    public static async Task<int> RunAsync(int rows, string provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await using var app = await BenchApp.StartAsync(database);
        var existing = rows / 10;
        var world = await IssueBatchBench.SeedAsync(app.Services, 1, existing);
        var csv = new StringBuilder("email,first name,last name\n");
        for (var i = 0; i < rows; i++)
        {
            if (i < existing)
            {
                csv.Append(CultureInfo.InvariantCulture, $"student{i}@rosette.bench,,\n");
            }
            else
            {
                csv.Append(CultureInfo.InvariantCulture, $"new{i}@import.rosette.bench,New,Student {i:D6}\n");
            }
        }
        await using var scope = app.Services.CreateAsyncScope();
        var import = scope.ServiceProvider.GetRequiredService<RosterImportHandler>();
        var stopwatch = Stopwatch.StartNew();
        var preview = await import.PreviewAsync(world.Admin, world.ClassId, csv.ToString(), CancellationToken.None);
        var previewTime = stopwatch.Elapsed;
        stopwatch.Restart();
        var result = await import.ImportAsync(world.Admin, world.ClassId, csv.ToString(), CancellationToken.None);
        var importTime = stopwatch.Elapsed;
        if (!preview.IsSuccess || !result.IsSuccess || result.Value.NewUsers != rows - existing || result.Value.AlreadyEnrolled != existing)
        {
            await Console.Error.WriteLineAsync($"import-roster: unexpected outcome {result.Error?.Code} new={result.Value.NewUsers}");
            return 1;
        }
        Console.WriteLine(FormattableString.Invariant(
            $"import-roster: rows={rows} new_users={result.Value.NewUsers} already_enrolled={result.Value.AlreadyEnrolled} preview_seconds={previewTime.TotalSeconds:F2} import_seconds={importTime.TotalSeconds:F2} database={provider}"));
        return 0;
    }
}
