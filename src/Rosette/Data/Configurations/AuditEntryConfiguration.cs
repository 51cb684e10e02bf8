using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Audit;

namespace Rosette.Data.Configurations;

/// <summary>
/// Audit entries have no foreign keys: nothing that happens to an organization or a user may take its history with it.
/// The indexes serve the log's filters, newest first; triggers added by the migration refuse UPDATE and DELETE.
/// </summary>
internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("AuditEntries");
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(64);
        builder.Property(e => e.Summary).HasMaxLength(AuditEntry.SummaryMaxLength);
        builder.Property(e => e.Data).HasMaxLength(AuditEntry.DataMaxLength);
        builder.Property(e => e.IpAddress).HasMaxLength(AuditEntry.IpAddressMaxLength);
        builder.HasIndex(e => new { e.OrganizationId, e.Id });
        builder.HasIndex(e => new { e.ActorId, e.Id });
        builder.HasIndex(e => e.At);
    }
}
