using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;

namespace Rosette.Data.Configurations;

internal sealed class CredentialStatusConfiguration : IEntityTypeConfiguration<CredentialStatus>
{
    public void Configure(EntityTypeBuilder<CredentialStatus> builder)
    {
        builder.HasKey(s => s.CredentialId);
        // An index is given once: never to two credentials, whatever instance allocates it.
        builder.HasIndex(s => new { s.StatusListId, s.Index }).IsUnique();
        builder.HasIndex(s => s.AwardId);
        builder.HasOne<StatusList>().WithMany().HasForeignKey(s => s.StatusListId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Award>().WithMany().HasForeignKey(s => s.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
