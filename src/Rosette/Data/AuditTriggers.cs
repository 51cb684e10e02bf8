using Microsoft.EntityFrameworkCore.Migrations;

namespace Rosette.Data;

/// <summary>
/// The audit log is append-only in the database itself, whatever code runs against it: triggers refuse UPDATE and DELETE
/// of audit entries (and TRUNCATE on PostgreSQL). Called from the Initial migration of each provider.
/// </summary>
public static class AuditTriggers
{
    public const string Message = "audit entries are append-only";

    public static void CreateAppendOnlyTriggers(this MigrationBuilder migrations)
    {
        if (migrations.ActiveProvider == RosetteDb.PostgresProvider)
        {
            migrations.Sql($"""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{Message}' USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER "TR_AuditEntries_AppendOnly" BEFORE UPDATE OR DELETE ON "AuditEntries"
                    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
                CREATE TRIGGER "TR_AuditEntries_NoTruncate" BEFORE TRUNCATE ON "AuditEntries"
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
                """);
            return;
        }
        migrations.Sql($"CREATE TRIGGER \"TR_AuditEntries_NoUpdate\" BEFORE UPDATE ON \"AuditEntries\" BEGIN SELECT RAISE(ABORT, '{Message}'); END;");
        migrations.Sql($"CREATE TRIGGER \"TR_AuditEntries_NoDelete\" BEFORE DELETE ON \"AuditEntries\" BEGIN SELECT RAISE(ABORT, '{Message}'); END;");
    }

    /// <summary>Dropping the table drops its triggers; PostgreSQL keeps the function.</summary>
    public static void DropAppendOnlyTriggers(this MigrationBuilder migrations)
    {
        if (migrations.ActiveProvider == RosetteDb.PostgresProvider)
        {
            migrations.Sql("DROP FUNCTION IF EXISTS audit_entries_append_only();");
        }
    }
}
