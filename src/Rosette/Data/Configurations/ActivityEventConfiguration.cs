using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Achievements;

namespace Rosette.Data.Configurations;

internal sealed class ActivityEventConfiguration : IEntityTypeConfiguration<ActivityEvent>
{
    public void Configure(EntityTypeBuilder<ActivityEvent> builder)
    {
        // An append-only log written at high volume: no foreign keys (users are deactivated, never deleted), two indexes.
        builder.HasKey(e => e.Seq);
        builder.Property(e => e.ExternalId).HasMaxLength(ActivityEvent.ExternalIdMaxLength);
        builder.Property(e => e.SubjectId).HasMaxLength(ActivitySubjects.MaxLength);
        builder.Property(e => e.Type).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(e => new { e.PostedById, e.ExternalId }).IsUnique();
        builder.HasIndex(e => e.Seq).HasFilter(builder.IsNull(e => e.ProcessedAt)).HasDatabaseName("IX_ActivityEvents_Pending");
    }
}
