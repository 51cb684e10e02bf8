using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.ApiKeys;
using Rosette.Domain.Organizations;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("ApiKeys");
        builder.Property(k => k.Name).HasMaxLength(ApiKey.NameMaxLength);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
        builder.Property(k => k.Hint).HasMaxLength(16);
        builder.Property(k => k.Permissions).HasConversion<int>();
        // Every API request with a key looks it up by the hash of its secret.
        builder.HasIndex(k => k.SecretHash).IsUnique();
        builder.HasIndex(k => new { k.OrganizationId, k.CreatedAt });
        builder.HasIndex(k => k.CreatedById);
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(k => k.CreatedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(k => k.RevokedById).OnDelete(DeleteBehavior.Restrict);
    }
}

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

internal sealed class SignInConnectionDomainConfiguration : IEntityTypeConfiguration<SignInConnectionDomain>
{
    public void Configure(EntityTypeBuilder<SignInConnectionDomain> builder)
    {
        builder.ToTable("SignInConnectionDomains");
        // A domain belongs to one connection at most, whatever two administrators save at once.
        builder.HasKey(d => d.Domain);
        builder.Property(d => d.Domain).HasMaxLength(SignInConnectionDomain.MaxLength);
        builder.HasIndex(d => d.ConnectionId);
    }
}

internal sealed class ExternalLoginConfiguration : IEntityTypeConfiguration<ExternalLogin>
{
    public void Configure(EntityTypeBuilder<ExternalLogin> builder)
    {
        builder.ToTable("ExternalLogins");
        builder.HasKey(l => new { l.ConnectionId, l.Subject });
        builder.Property(l => l.Subject).HasMaxLength(ExternalLogin.SubjectMaxLength);
        builder.HasIndex(l => l.UserId);
        builder.HasOne<SignInConnection>().WithMany().HasForeignKey(l => l.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
