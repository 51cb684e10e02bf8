using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Webhooks;

namespace Rosette.Data.Configurations;

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(WebhookDelivery.ErrorMaxLength);
        builder.Property(d => d.ClaimedBy).HasMaxLength(100);
        // An event goes to an endpoint once, however often its fan-out runs.
        builder.HasIndex(d => new { d.EndpointId, d.EventId }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        // Order per subject: a delivery waits while an earlier one of its subject to its endpoint is pending.
        builder.HasIndex(d => new { d.EndpointId, d.SubjectId, d.Id }).HasFilter(builder.Is(d => d.Status, WebhookDeliveryStatus.Pending)).HasDatabaseName("IX_WebhookDeliveries_PendingBySubject");
        builder.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<WebhookEvent>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
