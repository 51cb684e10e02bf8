using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Rosette.Domain.Achievements;
using Rosette.Domain.Audit;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;
using Rosette.Domain.Organizations;
using Rosette.Domain.Providers;
using Rosette.Domain.Users;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Data;

/// <summary>
/// The one database context. Each provider has a subclass (<see cref="SqliteRosetteDb"/>,
/// <see cref="PostgresRosetteDb"/>) only so that each keeps its own migrations; code depends on this type.
/// </summary>
public abstract class RosetteDb(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Course> Courses => Set<Course>();

    public DbSet<CourseAssignment> CourseAssignments => Set<CourseAssignment>();

    public DbSet<TrainingClass> Classes => Set<TrainingClass>();

    public DbSet<ClassInstructor> ClassInstructors => Set<ClassInstructor>();

    public DbSet<Enrollment> Enrollments => Set<Enrollment>();

    public DbSet<Badge> Badges => Set<Badge>();

    public DbSet<BadgeImage> BadgeImages => Set<BadgeImage>();

    public DbSet<Award> Awards => Set<Award>();

    public DbSet<AwardRenewal> AwardRenewals => Set<AwardRenewal>();

    /// <summary>The dashboard's counts, kept by the database's triggers on Awards (<see cref="Rosette.Data.AwardTallies"/>); read-only to the app.</summary>
    public DbSet<AwardTally> AwardTallies => Set<AwardTally>();

    /// <summary>The dashboard's counted figures per administrator scope (decision 0026).</summary>
    public DbSet<DashboardFigures> DashboardFigures => Set<DashboardFigures>();

    public DbSet<CredentialNotice> CredentialNotices => Set<CredentialNotice>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<IssuanceBatch> IssuanceBatches => Set<IssuanceBatch>();

    public DbSet<IssuanceFailure> IssuanceFailures => Set<IssuanceFailure>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<SignedCredential> SignedCredentials => Set<SignedCredential>();

    public DbSet<StatusList> StatusLists => Set<StatusList>();

    public DbSet<CredentialStatus> CredentialStatuses => Set<CredentialStatus>();

    public DbSet<CredentialSubject> CredentialSubjects => Set<CredentialSubject>();

    public DbSet<AwardNotification> AwardNotifications => Set<AwardNotification>();

    public DbSet<BadgeProvider> BadgeProviders => Set<BadgeProvider>();

    public DbSet<ProviderDelivery> ProviderDeliveries => Set<ProviderDelivery>();

    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();

    public DbSet<Achievement> Achievements => Set<Achievement>();

    public DbSet<AchievementAward> AchievementAwards => Set<AchievementAward>();

    public DbSet<ActivityFact> ActivityFacts => Set<ActivityFact>();

    public DbSet<ActivityEvent> ActivityEvents => Set<ActivityEvent>();

    public DbSet<Domain.ApiKeys.ApiKey> ApiKeys => Set<Domain.ApiKeys.ApiKey>();

    public DbSet<Domain.SingleSignOn.SignInConnection> SignInConnections => Set<Domain.SingleSignOn.SignInConnection>();

    public DbSet<Domain.SingleSignOn.SignInConnectionDomain> SignInConnectionDomains => Set<Domain.SingleSignOn.SignInConnectionDomain>();

    public DbSet<Domain.SingleSignOn.ExternalLogin> ExternalLogins => Set<Domain.SingleSignOn.ExternalLogin>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<Infrastructure.Auth.SignInSession> SignInSessions => Set<Infrastructure.Auth.SignInSession>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The PostgreSQL provider's name, as EF reports it to a context and to a migration.</summary>
    public const string PostgresProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    public bool IsPostgres => Database.ProviderName == PostgresProvider;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RosetteDb).Assembly);
        modelBuilder.MapQueryFunctions();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is UTC; SQLite forgets the kind, so it is put back on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<UserRole>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<InstructorKind>().HaveConversion<string>().HaveMaxLength(32);
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteRosetteDb(DbContextOptions<SqliteRosetteDb> options) : RosetteDb(options);

public sealed class PostgresRosetteDb(DbContextOptions<PostgresRosetteDb> options) : RosetteDb(options);
