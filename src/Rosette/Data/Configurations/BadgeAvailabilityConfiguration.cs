using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;

namespace Rosette.Data.Configurations;

internal sealed class BadgeAvailabilityConfiguration : IEntityTypeConfiguration<BadgeAvailability>
{
    public void Configure(EntityTypeBuilder<BadgeAvailability> builder)
    {
        builder.ToTable("BadgeAvailability");
        builder.HasKey(a => new { a.BadgeId, a.OrganizationId });
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
