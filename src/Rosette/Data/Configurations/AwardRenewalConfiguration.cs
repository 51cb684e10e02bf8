using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class AwardRenewalConfiguration : IEntityTypeConfiguration<AwardRenewal>
{
    public void Configure(EntityTypeBuilder<AwardRenewal> builder)
    {
        // A credential is renewed once: concurrent renewals of one award race for this key, and one wins.
        builder.HasKey(r => r.PreviousCredentialId);
        builder.Property(r => r.Source).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(r => r.CredentialId).IsUnique();
        builder.HasIndex(r => new { r.AwardId, r.RenewedAt });
        builder.HasIndex(r => r.BatchId).WhereNotNull();
        builder.HasOne<Award>().WithMany().HasForeignKey(r => r.AwardId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.RenewedById).OnDelete(DeleteBehavior.Restrict);
    }
}
