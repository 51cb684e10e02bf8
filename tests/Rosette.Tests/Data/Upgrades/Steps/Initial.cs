using Microsoft.AspNetCore.Identity;
using Rosette.Domain.Users;

namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// A little of everything, written with the SQL of the first schema: two organizations, an administrator, an instructor
/// and students, a course with an assignment, a class with its instructor and enrollments, badges with an image, a batch
/// with an award, a revoked award and a failure, outbox messages, sent mail, a provider with a delivery and its attempt,
/// an achievement with an earning and a fact, a processed and a pending activity event, and an audit entry.
/// </summary>
public sealed class Initial : MigrationData
{
    public override string Migration => "Initial";

    public static readonly DateTime At = new(2026, 11, 2, 9, 30, 15, DateTimeKind.Utc);

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        var later = At.AddHours(1);
        await rows.InsertAsync("Organizations", ("Id", ids.Root), ("Name", "Upgrade Academy"), ("ParentId", null), ("Path", $"/{ids.Root:N}/"),
            ("EnableAchievements", true), ("CreatedAt", At));
        await rows.InsertAsync("Organizations", ("Id", ids.Child), ("Name", "Upgrade Academy North"), ("ParentId", ids.Root),
            ("Path", $"/{ids.Root:N}/{ids.Child:N}/"), ("EnableAchievements", true), ("CreatedAt", At));

        var hash = new PasswordHasher<User>().HashPassword(User.Create(SeedIds.AdminEmail, "A", "B", ids.Root, UserRole.Administrator, At).Value, SeedIds.Password);
        async Task PersonAsync(Guid id, string email, string first, string last, Guid organization, string role, bool systemAdministrator)
        {
            await rows.InsertAsync("Users", ("Id", id), ("Email", email), ("NormalizedEmail", email.ToUpperInvariant()), ("FirstName", first), ("LastName", last),
                ("OrganizationId", organization), ("Role", role), ("IsSystemAdministrator", systemAdministrator), ("ParticipateInAchievements", true),
                ("IsActive", true), ("CreatedAt", At), ("SearchText", $"{first} {last} {email}".ToLowerInvariant()), ("PasswordHash", hash),
                ("SecurityStamp", Guid.NewGuid().ToString("N")), ("AccessFailedCount", 0), ("LockoutEnd", null));
        }
        await PersonAsync(ids.Admin, SeedIds.AdminEmail, "Ada", "Admin", ids.Root, "Administrator", true);
        await PersonAsync(ids.Instructor, "upgrade.instructor@rosette.test", "Ivan", "Instructor", ids.Root, "Instructor", false);
        await PersonAsync(ids.Student, "upgrade.student@rosette.test", "Stella", "Student", ids.Child, "Student", false);
        await PersonAsync(ids.OtherStudent, "upgrade.other@rosette.test", "Otto", "Student", ids.Child, "Student", false);

        await rows.InsertAsync("Courses", ("Id", ids.Course), ("Name", "Networking"), ("OrganizationId", ids.Root),
            ("EnableAchievementsForOutsideOrganizations", false), ("CreatedAt", At));
        await rows.InsertAsync("CourseAssignments", ("Id", ids.Assignment), ("CourseId", ids.Course), ("StudentId", ids.Student), ("AssignedAt", At), ("CompletedAt", later));
        await rows.InsertAsync("Classes", ("Id", ids.Class), ("Name", "Networking (autumn)"), ("OrganizationId", ids.Root), ("CourseId", ids.Course),
            ("StartsAt", At), ("EndsAt", At.AddDays(30)), ("CreatedAt", At));
        await rows.InsertAsync("ClassInstructors", 2, ("ClassId", ids.Class), ("UserId", ids.Instructor), ("Kind", "Organization"), ("AssignedAt", At));
        await rows.InsertAsync("Enrollments", 2, ("ClassId", ids.Class), ("StudentId", ids.Student), ("EnrolledAt", At), ("IsActive", true));
        await rows.InsertAsync("Enrollments", 2, ("ClassId", ids.Class), ("StudentId", ids.OtherStudent), ("EnrolledAt", At), ("IsActive", true));

        foreach (var (badge, name) in new[] { (ids.Badge, "Packet Tracer"), (ids.OtherBadge, "Subnetting") })
        {
            await rows.InsertAsync("Badges", ("Id", badge), ("Name", name), ("Description", $"{name} badge"), ("Criteria", "Pass the lab"),
                ("OrganizationId", ids.Root), ("AllowManualIssuance", true), ("IsArchived", false), ("ValidityDays", null),
                ("ImageContentType", badge == ids.Badge ? "image/svg+xml" : null), ("ImageVersion", badge == ids.Badge ? 1 : 0),
                ("CreatedAt", At), ("UpdatedAt", At), ("ProviderId", null), ("ProviderTemplateId", null));
        }
        await rows.InsertAsync("BadgeImages", ("BadgeId", ids.Badge), ("ContentType", "image/svg+xml"),
            ("Data", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"u8.ToArray()));
        await rows.InsertAsync("BadgeAvailability", 2, ("BadgeId", ids.Badge), ("OrganizationId", ids.Child));

        await rows.InsertAsync("IssuanceBatches", ("Id", ids.Batch), ("Source", "Roster"), ("ClassId", ids.Class), ("CourseAssignmentId", null),
            ("IssuedById", ids.Instructor), ("CreatedAt", At), ("BadgeCount", 2), ("StudentCount", 1), ("IssuedCount", 1), ("FailedCount", 1),
            ("Narrative", "Well done"), ("SuppressNotifications", false), ("IdempotencyKey", SeedIds.BatchKey));
        await AwardAsync(rows, ids.Award, ids.Badge, ids.Student, ids.Class, ids.Batch, ids.Instructor, null);
        await AwardAsync(rows, ids.RevokedAward, ids.OtherBadge, ids.OtherStudent, null, null, ids.Admin, ids.Admin);
        await rows.InsertGeneratedAsync("IssuanceFailures", "Id", ("BatchId", ids.Batch), ("BadgeId", ids.OtherBadge), ("StudentId", ids.Student),
            ("Code", "manual_issuance_disabled"), ("Message", "The badge 'Subnetting' is not marked to allow manual issuance."));

        await rows.InsertAsync("OutboxMessages", ("Id", Guid.CreateVersion7()), ("Topic", "awards.issued"),
            ("Payload", $"{{\"batchId\":\"{ids.Batch}\",\"awardIds\":null,\"suppressNotifications\":false}}"), ("CreatedAt", At), ("DueAt", At),
            ("Attempts", 1), ("ClaimedBy", null), ("ClaimedUntil", null), ("ProcessedAt", later), ("LastError", null));
        await rows.InsertAsync("AwardNotifications", 2, ("AwardId", ids.Award), ("Kind", "Issued"), ("ClaimedUntil", null), ("SentAt", later), ("Attempts", 1));

        await rows.InsertAsync("BadgeProviders", ("Id", ids.Provider), ("Name", "Credly"), ("OrganizationId", ids.Root), ("Type", "Credly"),
            ("ProviderOrganizationId", "credly-org"), ("ApiBaseUrl", "http://127.0.0.1:9/v1"), ("ProtectedApiToken", "not-a-real-token"),
            ("CreatedAt", At), ("UpdatedAt", At));
        await rows.InsertAsync("BadgeProviderAvailability", 2, ("ProviderId", ids.Provider), ("OrganizationId", ids.Child));
        await rows.InsertAsync("ProviderDeliveries", ("AwardId", ids.Award), ("ProviderId", ids.Provider), ("Status", "Delivered"),
            ("ProviderBadgeId", "credly-badge-1"), ("RevocationRequested", false), ("MaybeSent", true), ("Attempts", 1), ("CreatedAt", At),
            ("NextAttemptAt", At), ("FirstAttemptAt", At), ("LastAttemptAt", At), ("CompletedAt", later), ("LastError", null),
            ("ClaimedBy", null), ("ClaimedUntil", null), ("Version", 3));
        await rows.InsertGeneratedAsync("DeliveryAttempts", "Id", ("AwardId", ids.Award), ("At", At), ("Operation", "issue"), ("StatusCode", 201),
            ("Answer", "{\"data\":{\"id\":\"credly-badge-1\"}}"), ("DurationMs", 120));

        await rows.InsertAsync("Achievements", ("Id", ids.Achievement), ("OrganizationId", ids.Root), ("Name", "Lab runner"), ("Description", "Complete the lab"),
            ("Points", 5), ("Frequency", 1), ("FrequencyType", "PerUser"), ("IsEnabled", true), ("BadgeId", null),
            ("Conditions", "{\"type\":\"lab_completed\",\"labId\":\"upgrade-lab\"}"), ("CreatedAt", At), ("UpdatedAt", At));
        var processed = await rows.InsertGeneratedAsync("ActivityEvents", "Seq", ("ExternalId", "upgrade-event-1"), ("PostedById", ids.Admin),
            ("UserId", ids.Student), ("Type", "LabCompleted"), ("SubjectId", "upgrade-lab"), ("OccurredAt", At), ("Score", 0.75),
            ("ReceivedAt", At), ("ProcessedAt", later));
        await rows.InsertGeneratedAsync("ActivityEvents", "Seq", ("ExternalId", SeedIds.PendingEvent), ("PostedById", ids.Admin),
            ("UserId", ids.OtherStudent), ("Type", "LabCompleted"), ("SubjectId", "upgrade-lab"), ("OccurredAt", At), ("Score", null),
            ("ReceivedAt", At), ("ProcessedAt", null));
        await rows.InsertAsync("ActivityFacts", 3, ("UserId", ids.Student), ("Type", "LabCompleted"), ("SubjectId", "upgrade-lab"), ("FirstAt", At));
        await rows.InsertAsync("AchievementAwards", ("Id", Guid.CreateVersion7()), ("AchievementId", ids.Achievement), ("UserId", ids.Student),
            ("Ordinal", 1), ("EarnedAt", At), ("Points", 5), ("EventSeq", processed), ("BadgeAwardId", null), ("RecordedAt", later));
        await rows.InsertGeneratedAsync("AuditEntries", "Id", ("At", At), ("Kind", "BadgesIssued"), ("ActorId", ids.Instructor), ("OrganizationId", ids.Root),
            ("EntityId", ids.Batch), ("Summary", "Issued 1 of 2 badge-student pairs in class 'Networking (autumn)' (1 failed)"),
            ("Data", "{\"issued\":1,\"failed\":1}"), ("IpAddress", "127.0.0.1"));
    }

    private static Task AwardAsync(SeededRows rows, Guid id, Guid badge, Guid student, Guid? classId, Guid? batch, Guid issuer, Guid? revoker) =>
        rows.InsertAsync("Awards", ("Id", id), ("BadgeId", badge), ("StudentId", student), ("IssuedAt", At), ("IssuedById", issuer),
            ("Source", "Roster"), ("ClassId", classId), ("CourseAssignmentId", null), ("BatchId", batch),
            ("Narrative", batch is null ? null : "Well done"), ("ExpiresAt", At.AddYears(2)), ("RecipientSalt", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())),
            ("RevokedAt", revoker is null ? null : At.AddMinutes(5)), ("RevokedById", revoker), ("RevocationReason", revoker is null ? null : "Issued by mistake"));
}
