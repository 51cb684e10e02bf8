using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;

namespace Rosette.Data.Configurations;

internal sealed class IssuanceFailureConfiguration : IEntityTypeConfiguration<IssuanceFailure>
{
    public void Configure(EntityTypeBuilder<IssuanceFailure> builder)
    {
        builder.Property(f => f.Code).HasMaxLength(64);
        builder.Property(f => f.Message).HasMaxLength(500);
        builder.HasIndex(f => f.BatchId);
        builder.HasOne<IssuanceBatch>().WithMany().HasForeignKey(f => f.BatchId).OnDelete(DeleteBehavior.Cascade);
    }
}
