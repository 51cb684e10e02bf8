using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
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
