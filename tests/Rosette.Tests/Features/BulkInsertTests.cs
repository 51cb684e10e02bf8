using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Rows written by the bulk path are stored exactly as EF Core stores them, so every EF query finds them.</summary>
public sealed class BulkInsertTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task InsertAsync_StoresEveryColumnAsEfCoreDoes_AndSkipsConflicts()
    {
        var world = await app.NewWorldAsync();
        var now = new DateTime(2026, 5, 4, 3, 2, 1, DateTimeKind.Utc);
        var viaEf = Award.Create(world.Manual.Id, world.StudentA1.Id, now, world.AdminRoot.Id, AwardSource.Roster, world.Class.Id, null, null, "By EF", now.AddDays(30));
        var viaBulk = Award.Create(world.Manual.Id, world.StudentA2.Id, now, world.AdminRoot.Id, AwardSource.Roster, world.Class.Id, null, null, "By bulk", now.AddDays(30));
        var duplicate = Award.Create(world.Manual.Id, world.StudentA1.Id, now, null, AwardSource.Achievement, null, null, null, null, null);

        await app.Factory.WithDbAsync(async db =>
        {
            db.Awards.Add(viaEf);
            await db.SaveChangesAsync();
        });
        var inserted = await app.Factory.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var keys = await db.InsertAsync([viaBulk, duplicate], ignoreConflicts: true, a => a.Id, CancellationToken.None);
            await transaction.CommitAsync();
            return keys;
        });

        Assert.Equal([viaBulk.Id], inserted);
        var read = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().SingleAsync(a => a.Id == viaBulk.Id && a.StudentId == world.StudentA2.Id && a.IssuedAt == now));
        Assert.Equal((viaBulk.RecipientSalt, "By bulk", now.AddDays(30), AwardSource.Roster), (read.RecipientSalt, read.Narrative, read.ExpiresAt, read.Source));
        var stored = await RawRowsAsync(new[] { viaEf.Id, viaBulk.Id });
        Assert.Equal(stored[viaEf.Id].Select(v => v.GetType()), stored[viaBulk.Id].Select(v => v.GetType()));
        Assert.Equal(stored[viaEf.Id][3], stored[viaBulk.Id][3]);
    }

    /// <summary>Id, BadgeId, Source, IssuedAt as the database holds them (types and text), keyed by award id.</summary>
    private Task<Dictionary<Guid, object[]>> RawRowsAsync(Guid[] ids) => app.Factory.WithDbAsync(async db =>
    {
        var rows = new Dictionary<Guid, object[]>();
        await db.Database.OpenConnectionAsync();
        DbConnection connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"Id\", \"BadgeId\", \"Source\", \"IssuedAt\" FROM \"Awards\"";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object[4];
            reader.GetValues(values);
            var id = values[0] is Guid guid ? guid : Guid.Parse((string)values[0]);
            if (ids.Contains(id))
            {
                rows[id] = values;
            }
        }
        return rows;
    });
}
