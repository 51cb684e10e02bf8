using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Badges;

namespace Rosette.Data.Configurations;

internal sealed class BadgeImageConfiguration : IEntityTypeConfiguration<BadgeImage>
{
    public void Configure(EntityTypeBuilder<BadgeImage> builder)
    {
        builder.HasKey(i => i.BadgeId);
        builder.Property(i => i.ContentType).HasMaxLength(64);
        builder.HasOne<Badge>().WithOne().HasForeignKey<BadgeImage>(i => i.BadgeId).OnDelete(DeleteBehavior.Cascade);
    }
}
