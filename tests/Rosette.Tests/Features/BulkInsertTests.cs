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
        var viaEf = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA1.Id, now, AwardSource.Roster) { IssuedById = world.AdminRoot.Id, ClassId = world.Class.Id, Narrative = "By EF", ExpiresAt = now.AddDays(30) });
        var viaBulk = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA2.Id, now, AwardSource.Roster) { IssuedById = world.AdminRoot.Id, ClassId = world.Class.Id, Narrative = "By bulk", ExpiresAt = now.AddDays(30) });
        var duplicate = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA1.Id, now, AwardSource.Achievement));

        await AddWithEfAsync(viaEf);
        var inserted = await BulkInsertAsync([viaBulk, duplicate], ignoreConflicts: true);

        Assert.Equal([viaBulk.Id], inserted);
        var read = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().SingleAsync(a => a.Id == viaBulk.Id && a.StudentId == world.StudentA2.Id && a.IssuedAt == now));
        Assert.Equal((viaBulk.RecipientSalt, "By bulk", now.AddDays(30), AwardSource.Roster), (read.RecipientSalt, read.Narrative, read.ExpiresAt, read.Source));
        var stored = await RawRowsAsync(new[] { viaEf.Id, viaBulk.Id });
        Assert.Equal(stored[viaEf.Id].Select(v => v.GetType()), stored[viaBulk.Id].Select(v => v.GetType()));
        Assert.Equal(stored[viaEf.Id][3], stored[viaBulk.Id][3]);
    }

    [Fact]
    public async Task InsertAsync_WithoutIgnoringConflicts_StoresEveryColumnAsEfCoreDoes_AndARefusedRowFailsTheWrite()
    {
        // Without ignoreConflicts, PostgreSQL takes the rows in a binary COPY: the same values, nulls and times as EF's.
        var world = await app.NewWorldAsync();
        var now = new DateTime(2026, 5, 4, 3, 2, 1, DateTimeKind.Utc);
        var viaEf = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA1.Id, now, AwardSource.Achievement));
        var viaBulk = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA2.Id, now, AwardSource.Roster) { IssuedById = world.AdminRoot.Id, ClassId = world.Class.Id, Narrative = "By bulk", ExpiresAt = now.AddDays(30) });
        var plain = Award.Create(new AwardFacts(world.Manual2.Id, world.StudentA2.Id, now, AwardSource.Achievement));
        var duplicate = Award.Create(new AwardFacts(world.Manual.Id, world.StudentA1.Id, now, AwardSource.Achievement));
        await AddWithEfAsync(viaEf);

        var inserted = await BulkInsertAsync([viaBulk, plain], ignoreConflicts: false);
        var refused = await Record.ExceptionAsync(() => BulkInsertAsync(
            [Award.Create(new AwardFacts(world.Manual2.Id, world.StudentA1.Id, now, AwardSource.Achievement)), duplicate], ignoreConflicts: false));

        Assert.Equal(new[] { viaBulk.Id, plain.Id }.Order(), inserted.Order());
        var read = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().Where(a => a.Id == viaBulk.Id || a.Id == plain.Id).ToDictionaryAsync(a => a.Id));
        Assert.Equal((viaBulk.RecipientSalt, "By bulk", now.AddDays(30), AwardSource.Roster, world.AdminRoot.Id, world.Class.Id, now),
            (read[viaBulk.Id].RecipientSalt, read[viaBulk.Id].Narrative, read[viaBulk.Id].ExpiresAt, read[viaBulk.Id].Source, read[viaBulk.Id].IssuedById, read[viaBulk.Id].ClassId, read[viaBulk.Id].IssuedAt));
        Assert.Equal((null, null, null, null, AwardSource.Achievement), (read[plain.Id].Narrative, read[plain.Id].ExpiresAt, read[plain.Id].IssuedById, read[plain.Id].ClassId, read[plain.Id].Source));
        var stored = await RawRowsAsync(new[] { viaEf.Id, viaBulk.Id });
        Assert.Equal(stored[viaEf.Id].Select(v => v.GetType()), stored[viaBulk.Id].Select(v => v.GetType()));
        Assert.Equal(stored[viaEf.Id][3], stored[viaBulk.Id][3]);
        Assert.True(DbErrors.IsUniqueViolation(refused), $"Expected the earn-once index to refuse the duplicate, got {refused}");
        if (refused is Npgsql.PostgresException postgres)
        {
            // The issuer writes a batch again with conflicts skipped only when this index refused it.
            Assert.Equal("UX_Awards_Active_Badge_Student", postgres.ConstraintName);
        }
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.BadgeId == world.Manual2.Id && a.StudentId == world.StudentA1.Id)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InsertAsync_ManyRows_StoresEachRowsOwnValues_AsTheyChangeFromOneStatementToTheNext(bool ignoreConflicts)
    {
        // On SQLite the rows go 64 to a statement, the same statement again and again, and a parameter that already holds a
        // row's value is not bound again: every kind of change between the statements must still reach the rows. Row i is
        // in statement i / 64 (the last ten in a shorter one); its narrative is null, "shared", "shared", null, "last",
        // its issuer A, none, A, B, A, its expiry alternates, and its issue time, source and student never change.
        var world = await app.NewWorldAsync();
        var now = new DateTime(2026, 12, 7, 4, 0, 0, DateTimeKind.Utc);
        var badges = await app.Factory.WithDbAsync(async db =>
        {
            var organization = await db.Organizations.SingleAsync(o => o.Id == world.Root.Id);
            var created = Enumerable.Range(0, 266).Select(i => Rosette.Domain.Badges.Badge.Create($"Bulk {i} {world.Root.Name}", "d", null, organization, true, null, [], now).Value).ToList();
            db.Badges.AddRange(created);
            await db.SaveChangesAsync();
            return created;
        });
        string?[] narratives = [null, "shared", "shared", null, "last"];
        Guid?[] issuers = [world.AdminRoot.Id, null, world.AdminRoot.Id, world.OrgInstructor.Id, world.AdminRoot.Id];
        var awards = badges.Select((b, i) => Award.Create(new AwardFacts(b.Id, world.StudentA1.Id, now, AwardSource.Roster)
        {
            Narrative = narratives[i / 64],
            IssuedById = issuers[i / 64],
            ExpiresAt = now.AddDays(30 + i / 64 % 2),
        })).ToArray();

        var inserted = await BulkInsertAsync(awards, ignoreConflicts);

        Assert.Equal(awards.Select(a => a.Id).Order(), inserted.Order());
        var ids = awards.Select(a => a.Id).ToList();
        var read = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id));
        Assert.Equal(266, read.Count);
        Assert.All(awards, a => Assert.Equal(
            (a.BadgeId, a.Narrative, a.IssuedById, a.ExpiresAt, a.IssuedAt, a.Source, a.RecipientSalt),
            (read[a.Id].BadgeId, read[a.Id].Narrative, read[a.Id].IssuedById, read[a.Id].ExpiresAt, read[a.Id].IssuedAt, read[a.Id].Source, read[a.Id].RecipientSalt)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InsertAsync_Text_IsStoredAsWritten_EmptyNonAsciiAndLongerThanTheBindBuffer(bool ignoreConflicts)
    {
        // On SQLite, text of up to 128 UTF-8 bytes is encoded into a buffer on the stack and bound from a slice of it, longer
        // text as a string: 42 three-byte characters fill 126 bytes of it, 43 do not fit, and the empty text must stay ''
        // (a null pointer would bind NULL).
        var world = await app.NewWorldAsync();
        var now = new DateTime(2026, 12, 7, 6, 0, 0, DateTimeKind.Utc);
        string?[] narratives = ["", "Überragend — 优秀 🎓", new string('语', 42), new string('语', 43), new string('x', 128), new string('x', 129), null, "plain"];
        var badges = await app.Factory.WithDbAsync(async db =>
        {
            var organization = await db.Organizations.SingleAsync(o => o.Id == world.Root.Id);
            var created = narratives.Select((_, i) => Rosette.Domain.Badges.Badge.Create($"Text {i} {world.Root.Name}", "d", null, organization, true, null, [], now).Value).ToList();
            db.Badges.AddRange(created);
            await db.SaveChangesAsync();
            return created;
        });
        var awards = badges.Select((b, i) => Award.Create(new AwardFacts(b.Id, world.StudentA1.Id, now, AwardSource.Roster) { Narrative = narratives[i] })).ToArray();

        await BulkInsertAsync(awards, ignoreConflicts);

        var ids = awards.Select(a => a.Id).ToList();
        var read = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Narrative));
        Assert.Equal(narratives, awards.Select(a => read[a.Id]));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => ids.Contains(a.Id) && a.Narrative == "")));
    }

    [Fact]
    public async Task SqliteText_OfGuidsAndTimes_IsWhatMicrosoftDataSqliteBinds()
    {
        // The bulk path writes GUIDs and times as UTF-8 itself; every EF query compares them as text, so each byte must be
        // what Microsoft.Data.Sqlite binds for the same value (read back here from SQLite: SELECT of the bound parameter).
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        var local = new DateTime(2026, 12, 6, 23, 59, 59, DateTimeKind.Utc).AddTicks(1_234_500);
        object[] values =
        [
            Guid.Empty, Guid.Parse("0a1b2c3d-4e5f-6a7b-8c9d-aebfc0d1e2f3"), Guid.NewGuid(), Guid.CreateVersion7(),
            new DateTime(2026, 5, 4, 3, 2, 1, DateTimeKind.Utc), local, local.AddTicks(7), DateTime.MinValue, DateTime.MaxValue,
            new DateTimeOffset(local), new DateTimeOffset(local.Ticks, TimeSpan.FromMinutes(-570)),
        ];
        foreach (var value in values)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT @v";
            command.Parameters.AddWithValue("@v", value);
            var expected = (string)(await command.ExecuteScalarAsync())!;
            var utf8 = new byte[64];
            var written = value switch
            {
                Guid guid => BulkInsert.UpperCase(guid, utf8).ToArray(),
                DateTime time => BulkInsert.Formatted(time, BulkInsert.TimeFormat, utf8).ToArray(),
                DateTimeOffset time => BulkInsert.Formatted(time, BulkInsert.TimeOffsetFormat, utf8).ToArray(),
                _ => throw new InvalidOperationException(),
            };
            Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(written));
        }
    }

    private Task AddWithEfAsync(Award award) => app.Factory.WithDbAsync(async db =>
    {
        db.Awards.Add(award);
        await db.SaveChangesAsync();
    });

    /// <summary>The bulk path in a transaction of its own, committed when it succeeds.</summary>
    private Task<HashSet<Guid>> BulkInsertAsync(Award[] awards, bool ignoreConflicts) => app.Factory.WithDbAsync(async db =>
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var keys = await db.InsertAsync(awards, ignoreConflicts, a => a.Id, CancellationToken.None);
        await transaction.CommitAsync();
        return keys;
    });

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
