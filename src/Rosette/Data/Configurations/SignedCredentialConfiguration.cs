using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;

namespace Rosette.Data.Configurations;

internal sealed class SignedCredentialConfiguration : IEntityTypeConfiguration<SignedCredential>
{
    public void Configure(EntityTypeBuilder<SignedCredential> builder)
    {
        builder.HasKey(c => c.CredentialId);
        builder.Property(c => c.BaseUrl).HasMaxLength(500);
        builder.HasIndex(c => c.AwardId);
        builder.HasOne<Award>().WithMany().HasForeignKey(c => c.AwardId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SigningKey>().WithMany().HasForeignKey(c => c.KeyId).OnDelete(DeleteBehavior.Restrict);
    }
}
