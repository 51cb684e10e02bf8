using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Organizations;

namespace Rosette.Data.Configurations;

internal sealed class StatusListConfiguration : IEntityTypeConfiguration<StatusList>
{
    public void Configure(EntityTypeBuilder<StatusList> builder)
    {
        builder.Property(l => l.Purpose).HasMaxLength(32);
        builder.Property(l => l.IndexKey).HasMaxLength(32);
        builder.Property(l => l.SignedBaseUrl).HasMaxLength(500);
        // An issuer's lists are numbered 1, 2, ...: instances racing to open the next list are settled here.
        builder.HasIndex(l => new { l.OrganizationId, l.Purpose, l.Number }).IsUnique();
        builder.HasOne<Organization>().WithMany().HasForeignKey(l => l.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}
