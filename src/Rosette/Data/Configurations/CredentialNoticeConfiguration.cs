using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;

namespace Rosette.Data.Configurations;

internal sealed class CredentialNoticeConfiguration : IEntityTypeConfiguration<CredentialNotice>
{
    public void Configure(EntityTypeBuilder<CredentialNotice> builder)
    {
        // Each notice happens once per credential, whatever number of instances schedule it.
        builder.HasKey(n => new { n.CredentialId, n.Kind });
        builder.Property(n => n.Kind).HasMaxLength(32);
        builder.HasIndex(n => n.AwardId);
        builder.HasOne<Award>().WithMany().HasForeignKey(n => n.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
