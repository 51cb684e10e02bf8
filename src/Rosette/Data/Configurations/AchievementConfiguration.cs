using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;

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
