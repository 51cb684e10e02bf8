using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class AchievementConfiguration : IEntityTypeConfiguration<Achievement>
{
    public void Configure(EntityTypeBuilder<Achievement> builder)
    {
        builder.Property(a => a.Name).HasMaxLength(Text.NameMaxLength);
        builder.Property(a => a.Description).HasMaxLength(Achievement.DescriptionMaxLength);
        builder.Property(a => a.FrequencyType).HasConversion<string>().HasMaxLength(32);
        // Conditions are typed in the domain and stored as their JSON; saved conditions are always valid.
        builder.Property(a => a.Conditions).HasConversion(
            c => ConditionJson.Serialize(c),
            s => ConditionJson.Parse(s, "conditions").Value,
            new ValueComparer<Condition>((x, y) => ConditionJson.Serialize(x!) == ConditionJson.Serialize(y!), c => ConditionJson.Serialize(c).GetHashCode(StringComparison.Ordinal), c => c));
        builder.HasIndex(a => a.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Badge>().WithMany().HasForeignKey(a => a.BadgeId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AchievementAwardConfiguration : IEntityTypeConfiguration<AchievementAward>
{
    public void Configure(EntityTypeBuilder<AchievementAward> builder)
    {
        // The n-th earning of an achievement by a user exists once, whichever worker or instance records it.
        builder.HasIndex(a => new { a.AchievementId, a.UserId, a.Ordinal }).IsUnique();
        builder.HasIndex(a => new { a.UserId, a.AchievementId });
        builder.HasIndex(a => new { a.AchievementId, a.EarnedAt });
        builder.HasOne<Achievement>().WithMany().HasForeignKey(a => a.AchievementId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ActivityFactConfiguration : IEntityTypeConfiguration<ActivityFact>
{
    public void Configure(EntityTypeBuilder<ActivityFact> builder)
    {
        builder.HasKey(f => new { f.UserId, f.Type, f.SubjectId });
        builder.Property(f => f.Type).HasConversion<string>().HasMaxLength(32);
        builder.Property(f => f.SubjectId).HasMaxLength(ActivitySubjects.MaxLength);
        // Retroactive evaluation finds the users who did something an achievement reads.
        builder.HasIndex(f => new { f.Type, f.SubjectId, f.UserId });
        builder.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ActivityEventConfiguration : IEntityTypeConfiguration<ActivityEvent>
{
    public void Configure(EntityTypeBuilder<ActivityEvent> builder)
    {
        // An append-only log written at high volume: no foreign keys (users are deactivated, never deleted), two indexes.
        builder.HasKey(e => e.Seq);
        builder.Property(e => e.ExternalId).HasMaxLength(ActivityEvent.ExternalIdMaxLength);
        builder.Property(e => e.SubjectId).HasMaxLength(ActivitySubjects.MaxLength);
        builder.Property(e => e.Type).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(e => new { e.PostedById, e.ExternalId }).IsUnique();
        builder.HasIndex(e => e.Seq).HasFilter("\"ProcessedAt\" IS NULL").HasDatabaseName("IX_ActivityEvents_Pending");
    }
}
