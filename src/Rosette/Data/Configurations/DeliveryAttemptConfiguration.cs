using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Providers;

namespace Rosette.Data.Configurations;

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.Property(a => a.Operation).HasMaxLength(32);
        builder.Property(a => a.Answer).HasMaxLength(DeliveryAttempt.BodyMaxLength);
        builder.HasIndex(a => new { a.AwardId, a.At });
        builder.HasOne<ProviderDelivery>().WithMany().HasForeignKey(a => a.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
