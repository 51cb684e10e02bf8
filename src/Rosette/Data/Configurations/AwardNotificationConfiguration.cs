using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;

namespace Rosette.Data.Configurations;

internal sealed class AwardNotificationConfiguration : IEntityTypeConfiguration<AwardNotification>
{
    public void Configure(EntityTypeBuilder<AwardNotification> builder)
    {
        builder.HasKey(n => new { n.AwardId, n.Kind });
        builder.Property(n => n.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(n => n.LastError).HasMaxLength(AwardNotification.ErrorMaxLength);
        builder.HasIndex(n => n.FailedAt).WhereNotNull().HasDatabaseName("IX_AwardNotifications_Failed");
        builder.HasOne<Award>().WithMany().HasForeignKey(n => n.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
