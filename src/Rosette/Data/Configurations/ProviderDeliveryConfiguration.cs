using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;

namespace Rosette.Data.Configurations;

internal sealed class ProviderDeliveryConfiguration : IEntityTypeConfiguration<ProviderDelivery>
{
    public void Configure(EntityTypeBuilder<ProviderDelivery> builder)
    {
        builder.ToTable("ProviderDeliveries");
        builder.HasKey(d => d.AwardId);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(d => d.ProviderBadgeId).HasMaxLength(200);
        builder.Property(d => d.LastError).HasMaxLength(2000);
        builder.Property(d => d.ClaimedBy).HasMaxLength(100);
        builder.Property(d => d.Version).IsConcurrencyToken();
        builder.Ignore(d => d.IsDue);
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => d.ProviderId);
        builder.HasOne<Award>().WithOne().HasForeignKey<ProviderDelivery>(d => d.AwardId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<BadgeProvider>().WithMany().HasForeignKey(d => d.ProviderId).OnDelete(DeleteBehavior.Restrict);
    }
}
