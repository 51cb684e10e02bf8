using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;

namespace Rosette.Data.Configurations;

/// <summary>
/// The dashboard's tallies (see <see cref="AwardTallies"/>): the database's triggers on Awards write them, never EF. The key
/// is what the triggers upsert on; the class is never NULL (<see cref="AwardTally.NoClass"/>), so that one row holds the
/// awards of a badge issued in no class on a day.
/// </summary>
internal sealed class AwardTallyConfiguration : IEntityTypeConfiguration<AwardTally>
{
    public void Configure(EntityTypeBuilder<AwardTally> builder)
    {
        builder.ToTable(AwardTallies.Table);
        builder.HasKey(t => new { t.BadgeId, t.ClassId, t.Day });
        // The dashboard's two 26-week figures read the rows of those days only.
        builder.HasIndex(t => t.Day);
        builder.HasOne<Badge>().WithMany().HasForeignKey(t => t.BadgeId).OnDelete(DeleteBehavior.Cascade);
    }
}
