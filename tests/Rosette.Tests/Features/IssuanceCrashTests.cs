using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>A process killed (SIGKILL) in the middle of a batch leaves only whole awards; the same batch sent again issues exactly the rest.</summary>
public sealed class IssuanceCrashTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task IssueBadges_ProcessKilledMidBatch_ResendIssuesExactlyTheRest()
    {
        var world = await app.NewWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 8000);
        var badges = new[] { world.Manual.Id, world.Manual2.Id };
        var body = new { badgeIds = badges, studentIds = students };
        var pairs = badges.Length * students.Count;
        using var token = await app.ClientAsync(world.AdminRoot);
        var bearer = token.DefaultRequestHeaders.Authorization;

        await using (var doomed = await AppProcess.StartAsync(app.Database))
        {
            using var client = doomed.CreateClient();
            client.DefaultRequestHeaders.Authorization = bearer;
            var inFlight = client.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body);
            await WaitForAwardInsertAsync(inFlight);
            await doomed.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
        }

        var afterCrash = await CountAwardsAsync(students);
        Assert.True(afterCrash == 0 || afterCrash == pairs, $"A crash left {afterCrash} of {pairs} awards: a batch commits whole or not at all.");
        await using var restarted = await AppProcess.StartAsync(app.Database);
        using var again = restarted.CreateClient();
        again.DefaultRequestHeaders.Authorization = bearer;
        var result = await (await again.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body)).IsOkAsync<IssueBadgesResult>();

        Assert.Equal(pairs - afterCrash, result.Issued.Count);
        Assert.Equal(afterCrash, result.Failed.Count(f => f.Code == "already_earned"));
        Assert.Equal(pairs, await CountAwardsAsync(students));
        var incomplete = await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => students.Contains(a.StudentId) && (a.BatchId == null || a.RecipientSalt == "")));
        Assert.Equal(0, incomplete);
    }

    private Task<int> CountAwardsAsync(List<Guid> students) =>
        app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => students.Contains(a.StudentId)));

    /// <summary>On PostgreSQL waits until the award INSERT is running; on SQLite, until the batch is being decided and written.</summary>
    private async Task WaitForAwardInsertAsync(Task request)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        if (!app.Database.IsPostgres)
        {
            await Task.Delay(700);
            return;
        }
        await using var connection = new NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        while (DateTime.UtcNow < deadline && !request.IsCompleted)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'INSERT INTO \"Awards\"%' AND state = 'active'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }
            await Task.Delay(5);
        }
    }
}
