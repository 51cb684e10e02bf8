using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Organizations;
using Rosette.Domain.SingleSignOn;

namespace Rosette.Data.Configurations;

internal sealed class SignInConnectionConfiguration : IEntityTypeConfiguration<SignInConnection>
{
    public void Configure(EntityTypeBuilder<SignInConnection> builder)
    {
        builder.ToTable("SignInConnections");
        builder.Property(c => c.DisplayName).HasMaxLength(Domain.Text.NameMaxLength);
        builder.Property(c => c.Issuer).HasMaxLength(SignInConnection.IssuerMaxLength);
        builder.Property(c => c.ClientId).HasMaxLength(SignInConnection.ClientIdMaxLength);
        builder.Property(c => c.ProtectedClientSecret).HasMaxLength(4000);
        builder.Property(c => c.CreatedUserRole).HasConversion<string>().HasMaxLength(32);
        // One connection per organization.
        builder.HasIndex(c => c.OrganizationId).IsUnique();
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(c => c.Domains).WithOne().HasForeignKey(d => d.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(c => c.Domains).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
