using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;
using Rosette.Domain.Providers;

namespace Rosette.Data.Configurations;

internal sealed class BadgeConfiguration : IEntityTypeConfiguration<Badge>
{
    public void Configure(EntityTypeBuilder<Badge> builder)
    {
        builder.Property(b => b.Name).HasMaxLength(Text.NameMaxLength);
        builder.Property(b => b.Description).HasMaxLength(Badge.DescriptionMaxLength);
        builder.Property(b => b.Criteria).HasMaxLength(Badge.CriteriaMaxLength);
        builder.Property(b => b.ImageContentType).HasMaxLength(64);
        builder.Property(b => b.RenewalInstructions).HasMaxLength(Badge.RenewalInstructionsMaxLength);
        builder.PrimitiveCollection(b => b.ReminderDays);
        builder.HasIndex(b => b.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(b => b.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(b => b.Availability).WithOne().HasForeignKey(a => a.BadgeId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(b => b.Availability).UsePropertyAccessMode(PropertyAccessMode.Field);
        builder.Property(b => b.ProviderTemplateId).HasMaxLength(200);
        builder.HasOne<BadgeProvider>().WithMany().HasForeignKey(b => b.ProviderId).OnDelete(DeleteBehavior.Restrict);
    }
}
