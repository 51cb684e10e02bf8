using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.ApiKeys;
using Rosette.Domain.Organizations;
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
        // Revoked once: the UPDATE matches only while the key is unrevoked, so of two concurrent revocations the second
        // changes nothing (DbUpdateConcurrencyException) and answers api_key_revoked, with one audit entry in all.
        builder.Property(k => k.RevokedAt).IsConcurrencyToken();
        builder.HasIndex(k => new { k.OrganizationId, k.CreatedAt });
        builder.HasIndex(k => k.CreatedById);
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(k => k.CreatedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(k => k.RevokedById).OnDelete(DeleteBehavior.Restrict);
    }
}
