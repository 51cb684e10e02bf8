using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Rosette.Domain.Issuance;

namespace Rosette.Data;

/// <summary>
/// The dashboard's tallies (<see cref="AwardTally"/>), kept by the database itself: triggers on Awards count every insert,
/// every change of an award's badge, class, issue time or revocation, and every delete, in the statement's own
/// transaction, whatever writes it (EF, the bulk path's COPY, raw SQL, a cascade). On PostgreSQL, statement-level AFTER
/// triggers with transition tables aggregate a whole statement (a COPY of 100,000 awards included) per tally key and
/// upsert the sums in key order, so concurrent batches lock shared tally rows in one order; on SQLite, row-level
/// triggers upsert one award at a time (SQLite has one writer at a time). The migration that creates them backfills
/// the tallies with <see cref="Backfill"/>; <see cref="RecountAsync"/> is the same definition written over the awards.
/// </summary>
public static class AwardTallies
{
    public const string Table = "AwardTallies";

    private const string NoClassSql = "'00000000-0000-0000-0000-000000000000'";

    /// <summary>
    /// The tallies' definition over the awards: per badge, class (or <see cref="AwardTally.NoClass"/>) and UTC issue day,
    /// the awards issued and those of them revoked. The tallies equal this at every commit.
    /// </summary>
    public static async Task<List<TallyCount>> RecountAsync(this IQueryable<Award> awards, CancellationToken cancellationToken)
    {
        var groups = await awards
            .GroupBy(a => new { a.BadgeId, ClassId = a.ClassId ?? AwardTally.NoClass, a.IssuedAt.Date })
            .Select(g => new { g.Key.BadgeId, g.Key.ClassId, g.Key.Date, Issued = g.Count(), Revoked = g.Count(a => a.RevokedAt != null) })
            .ToListAsync(cancellationToken);
        return groups.Select(g => new TallyCount(g.BadgeId, g.ClassId, DateOnly.FromDateTime(g.Date), g.Issued, g.Revoked))
            .OrderBy(c => c.BadgeId).ThenBy(c => c.ClassId).ThenBy(c => c.Day).ToList();
    }

    /// <summary>The tallies as <see cref="RecountAsync"/> gives them: rows whose awards are all gone (zero) left out.</summary>
    public static async Task<List<TallyCount>> ReadAsync(this IQueryable<AwardTally> tallies, CancellationToken cancellationToken) =>
        (await tallies.Where(t => t.Issued != 0 || t.Revoked != 0)
            .Select(t => new TallyCount(t.BadgeId, t.ClassId, t.Day, t.Issued, t.Revoked)).ToListAsync(cancellationToken))
        .OrderBy(c => c.BadgeId).ThenBy(c => c.ClassId).ThenBy(c => c.Day).ToList();

    /// <summary>Creates the triggers and counts the awards already there (called from the migration that adds the table).</summary>
    public static void CreateTallyTriggers(this MigrationBuilder migrations)
    {
        var postgres = migrations.ActiveProvider == RosetteDb.PostgresProvider;
        migrations.Sql(Backfill(postgres));
        if (postgres)
        {
            // A trigger with transition tables serves one event; each function names the tables its trigger defines.
            migrations.Sql($"""
                CREATE FUNCTION award_tallies_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {PostgresUpsert("SELECT \"BadgeId\", \"ClassId\", \"IssuedAt\", \"RevokedAt\", 1 AS \"Sign\" FROM new_awards")}
                    RETURN NULL;
                END $$;
                CREATE FUNCTION award_tallies_update() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {PostgresUpsert($"""
                        SELECT n."BadgeId", n."ClassId", n."IssuedAt", n."RevokedAt", 1 AS "Sign" FROM new_awards n JOIN old_awards o ON o."Id" = n."Id" WHERE {PostgresMoved}
                        UNION ALL
                        SELECT o."BadgeId", o."ClassId", o."IssuedAt", o."RevokedAt", -1 FROM new_awards n JOIN old_awards o ON o."Id" = n."Id" WHERE {PostgresMoved}
                        """)}
                    RETURN NULL;
                END $$;
                CREATE FUNCTION award_tallies_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {PostgresUpsert("SELECT \"BadgeId\", \"ClassId\", \"IssuedAt\", \"RevokedAt\", -1 AS \"Sign\" FROM old_awards")}
                    RETURN NULL;
                END $$;
                CREATE TRIGGER "TR_Awards_Tally_Insert" AFTER INSERT ON "Awards" REFERENCING NEW TABLE AS new_awards
                    FOR EACH STATEMENT EXECUTE FUNCTION award_tallies_insert();
                CREATE TRIGGER "TR_Awards_Tally_Update" AFTER UPDATE ON "Awards" REFERENCING OLD TABLE AS old_awards NEW TABLE AS new_awards
                    FOR EACH STATEMENT EXECUTE FUNCTION award_tallies_update();
                CREATE TRIGGER "TR_Awards_Tally_Delete" AFTER DELETE ON "Awards" REFERENCING OLD TABLE AS old_awards
                    FOR EACH STATEMENT EXECUTE FUNCTION award_tallies_delete();
                """);
            return;
        }
        migrations.Sql($"""
            CREATE TRIGGER "TR_Awards_Tally_Insert" AFTER INSERT ON "Awards" BEGIN
                {SqliteUpsert("NEW", 1)}
            END;
            """);
        migrations.Sql($"""
            CREATE TRIGGER "TR_Awards_Tally_Update" AFTER UPDATE OF "BadgeId", "ClassId", "IssuedAt", "RevokedAt" ON "Awards"
            WHEN OLD."BadgeId" IS NOT NEW."BadgeId" OR OLD."ClassId" IS NOT NEW."ClassId" OR OLD."IssuedAt" IS NOT NEW."IssuedAt"
                OR (OLD."RevokedAt" IS NULL) <> (NEW."RevokedAt" IS NULL)
            BEGIN
                {SqliteUpsert("OLD", -1)}
                {SqliteUpsert("NEW", 1)}
            END;
            """);
        migrations.Sql($"""
            CREATE TRIGGER "TR_Awards_Tally_Delete" AFTER DELETE ON "Awards" BEGIN
                {SqliteUpsert("OLD", -1)}
            END;
            """);
    }

    /// <summary>Dropping the table drops its triggers on SQLite; on PostgreSQL the triggers are on Awards, with their functions.</summary>
    public static void DropTallyTriggers(this MigrationBuilder migrations)
    {
        if (migrations.ActiveProvider == RosetteDb.PostgresProvider)
        {
            migrations.Sql("""
                DROP TRIGGER IF EXISTS "TR_Awards_Tally_Insert" ON "Awards";
                DROP TRIGGER IF EXISTS "TR_Awards_Tally_Update" ON "Awards";
                DROP TRIGGER IF EXISTS "TR_Awards_Tally_Delete" ON "Awards";
                DROP FUNCTION IF EXISTS award_tallies_insert();
                DROP FUNCTION IF EXISTS award_tallies_update();
                DROP FUNCTION IF EXISTS award_tallies_delete();
                """);
            return;
        }
        migrations.Sql("""
            DROP TRIGGER IF EXISTS "TR_Awards_Tally_Insert";
            DROP TRIGGER IF EXISTS "TR_Awards_Tally_Update";
            DROP TRIGGER IF EXISTS "TR_Awards_Tally_Delete";
            """);
    }

    /// <summary>
    /// Counts every award into empty tallies: the migration's backfill, and a large database filled with its triggers off
    /// (the scale bench fills PostgreSQL in replication mode, which fires no trigger).
    /// </summary>
    public static string Backfill(bool postgres) => postgres
        ? $"""
            INSERT INTO "{Table}" ("BadgeId", "ClassId", "Day", "Issued", "Revoked")
            SELECT "BadgeId", COALESCE("ClassId", {NoClassSql}::uuid), ("IssuedAt" AT TIME ZONE 'UTC')::date, count(*), count("RevokedAt")
            FROM "Awards" GROUP BY 1, 2, 3;
            """
        : $"""
            INSERT INTO "{Table}" ("BadgeId", "ClassId", "Day", "Issued", "Revoked")
            SELECT "BadgeId", COALESCE("ClassId", {NoClassSql}), date("IssuedAt"), count(*), count("RevokedAt")
            FROM "Awards" GROUP BY 1, 2, 3;
            """;

    /// <summary>An UPDATE that moves an award from one tally to another (renewals, for one, move none).</summary>
    private const string PostgresMoved = """
        (o."BadgeId", o."ClassId", o."IssuedAt", o."RevokedAt" IS NULL) IS DISTINCT FROM (n."BadgeId", n."ClassId", n."IssuedAt", n."RevokedAt" IS NULL)
        """;

    /// <summary>Adds up signed award rows (1: counted in, -1: counted out) per tally key and upserts the sums in key order.</summary>
    private static string PostgresUpsert(string signedRows) => $"""
        INSERT INTO "{Table}" AS t ("BadgeId", "ClassId", "Day", "Issued", "Revoked")
        SELECT "BadgeId", COALESCE("ClassId", {NoClassSql}::uuid), ("IssuedAt" AT TIME ZONE 'UTC')::date,
            sum("Sign"), sum(CASE WHEN "RevokedAt" IS NULL THEN 0 ELSE "Sign" END)
        FROM ({signedRows}) AS signed
        GROUP BY 1, 2, 3
        HAVING sum("Sign") <> 0 OR sum(CASE WHEN "RevokedAt" IS NULL THEN 0 ELSE "Sign" END) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT ("BadgeId", "ClassId", "Day") DO UPDATE SET "Issued" = t."Issued" + excluded."Issued", "Revoked" = t."Revoked" + excluded."Revoked";
        """;

    private static string SqliteUpsert(string row, int sign) => $"""
        INSERT INTO "{Table}" ("BadgeId", "ClassId", "Day", "Issued", "Revoked")
        VALUES ({row}."BadgeId", COALESCE({row}."ClassId", {NoClassSql}), date({row}."IssuedAt"), {sign}, CASE WHEN {row}."RevokedAt" IS NULL THEN 0 ELSE {sign} END)
        ON CONFLICT ("BadgeId", "ClassId", "Day") DO UPDATE SET "Issued" = "Issued" + excluded."Issued", "Revoked" = "Revoked" + excluded."Revoked";
        """;
}
