using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Providers;

namespace Rosette.Data.Configurations;

internal sealed class BadgeProviderConfiguration : IEntityTypeConfiguration<BadgeProvider>
{
    public void Configure(EntityTypeBuilder<BadgeProvider> builder)
    {
        builder.ToTable("BadgeProviders");
        builder.Property(p => p.Name).HasMaxLength(Text.NameMaxLength);
        builder.Property(p => p.Type).HasConversion<string>().HasMaxLength(32);
        builder.Property(p => p.ProviderOrganizationId).HasMaxLength(Text.NameMaxLength);
        builder.Property(p => p.ApiBaseUrl).HasMaxLength(500);
        builder.Property(p => p.ProtectedApiToken).HasMaxLength(4000);
        builder.Property(p => p.Notifications).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<Organization>().WithMany().HasForeignKey(p => p.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(p => p.Availability).WithOne().HasForeignKey(a => a.ProviderId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(p => p.Availability).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class ProviderAvailabilityConfiguration : IEntityTypeConfiguration<ProviderAvailability>
{
    public void Configure(EntityTypeBuilder<ProviderAvailability> builder)
    {
        builder.ToTable("BadgeProviderAvailability");
        builder.HasKey(a => new { a.ProviderId, a.OrganizationId });
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

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

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.Property(a => a.Operation).HasMaxLength(32);
        builder.Property(a => a.Answer).HasMaxLength(DeliveryAttempt.BodyMaxLength);
        builder.HasIndex(a => new { a.AwardId, a.At });
        builder.HasOne<ProviderDelivery>().WithMany().HasForeignKey(a => a.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
