using Microsoft.EntityFrameworkCore.Migrations;

namespace Rosette.Data;

/// <summary>
/// Each enrollment's copy of its student (names, organization, role, activity: decision 0029), kept by the database
/// itself, in the writing statement's own transaction, whatever writes it (EF, the bulk path's COPY, raw SQL): a trigger
/// fills the copy when an enrollment is inserted, and another rewrites it on every enrollment of a user whose copied
/// columns change. On PostgreSQL the insert reads the student FOR SHARE: a concurrent change of that user waits for the
/// enrollment's commit (and its own rewrite then sees it), or the insert waits for the change's commit and reads the new
/// values; either way no enrollment keeps an old copy. SQLite has one writer at a time. An enrollment's student is its key
/// and never changes. The migration that adds the copy fills it with <see cref="Backfill"/>.
/// </summary>
public static class EnrollmentStudents
{
    private const string Copies = "\"StudentFirstName\", \"StudentLastName\", \"StudentOrganizationId\", \"StudentRole\", \"StudentIsActive\"";

    private const string Originals = "\"FirstName\", \"LastName\", \"OrganizationId\", \"Role\", \"IsActive\"";

    public static void CreateStudentCopyTriggers(this MigrationBuilder migrations)
    {
        var postgres = migrations.ActiveProvider == RosetteDb.PostgresProvider;
        migrations.Sql(Backfill(postgres));
        if (postgres)
        {
            migrations.Sql($"""
                CREATE FUNCTION enrollments_copy_student() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE student record;
                BEGIN
                    SELECT {Originals} INTO student FROM "Users" WHERE "Id" = NEW."StudentId" FOR SHARE;
                    -- No such user: the row goes on to its foreign key's check, which refuses it.
                    IF FOUND THEN
                        NEW."StudentFirstName" := student."FirstName";
                        NEW."StudentLastName" := student."LastName";
                        NEW."StudentOrganizationId" := student."OrganizationId";
                        NEW."StudentRole" := student."Role";
                        NEW."StudentIsActive" := student."IsActive";
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE FUNCTION users_copy_to_enrollments() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE "Enrollments" SET ({Copies}) = (NEW."FirstName", NEW."LastName", NEW."OrganizationId", NEW."Role", NEW."IsActive")
                    WHERE "StudentId" = NEW."Id";
                    RETURN NULL;
                END $$;
                CREATE TRIGGER "TR_Enrollments_CopyStudent" BEFORE INSERT ON "Enrollments"
                    FOR EACH ROW EXECUTE FUNCTION enrollments_copy_student();
                CREATE TRIGGER "TR_Users_CopyToEnrollments" AFTER UPDATE OF {Originals} ON "Users"
                    FOR EACH ROW WHEN ((OLD."FirstName", OLD."LastName", OLD."OrganizationId", OLD."Role", OLD."IsActive")
                        IS DISTINCT FROM (NEW."FirstName", NEW."LastName", NEW."OrganizationId", NEW."Role", NEW."IsActive"))
                    EXECUTE FUNCTION users_copy_to_enrollments();
                """);
            return;
        }
        migrations.Sql($"""
            CREATE TRIGGER "TR_Enrollments_CopyStudent" AFTER INSERT ON "Enrollments"
            WHEN EXISTS (SELECT 1 FROM "Users" WHERE "Id" = NEW."StudentId")
            BEGIN
                UPDATE "Enrollments" SET ({Copies}) = (SELECT {Originals} FROM "Users" WHERE "Id" = NEW."StudentId")
                WHERE "ClassId" = NEW."ClassId" AND "StudentId" = NEW."StudentId";
            END;
            """);
        migrations.Sql($"""
            CREATE TRIGGER "TR_Users_CopyToEnrollments" AFTER UPDATE OF {Originals} ON "Users"
            WHEN OLD."FirstName" IS NOT NEW."FirstName" OR OLD."LastName" IS NOT NEW."LastName" OR OLD."OrganizationId" IS NOT NEW."OrganizationId"
                OR OLD."Role" IS NOT NEW."Role" OR OLD."IsActive" IS NOT NEW."IsActive"
            BEGIN
                UPDATE "Enrollments" SET ({Copies}) = (NEW."FirstName", NEW."LastName", NEW."OrganizationId", NEW."Role", NEW."IsActive")
                WHERE "StudentId" = NEW."Id";
            END;
            """);
    }

    public static void DropStudentCopyTriggers(this MigrationBuilder migrations)
    {
        if (migrations.ActiveProvider == RosetteDb.PostgresProvider)
        {
            migrations.Sql("""
                DROP TRIGGER IF EXISTS "TR_Enrollments_CopyStudent" ON "Enrollments";
                DROP TRIGGER IF EXISTS "TR_Users_CopyToEnrollments" ON "Users";
                DROP FUNCTION IF EXISTS enrollments_copy_student();
                DROP FUNCTION IF EXISTS users_copy_to_enrollments();
                """);
            return;
        }
        migrations.Sql("""
            DROP TRIGGER IF EXISTS "TR_Enrollments_CopyStudent";
            DROP TRIGGER IF EXISTS "TR_Users_CopyToEnrollments";
            """);
    }

    /// <summary>
    /// Copies every enrollment's student: the migration's backfill, and a large database filled with its triggers off (the
    /// scale bench fills PostgreSQL in replication mode, which fires no trigger).
    /// </summary>
    public static string Backfill(bool postgres) => postgres
        ? $"""
            UPDATE "Enrollments" AS e SET ({Copies}) = (u."FirstName", u."LastName", u."OrganizationId", u."Role", u."IsActive")
            FROM "Users" AS u WHERE u."Id" = e."StudentId";
            """
        : $"""
            UPDATE "Enrollments" SET ({Copies}) = (SELECT {Originals} FROM "Users" WHERE "Id" = "Enrollments"."StudentId");
            """;
}
