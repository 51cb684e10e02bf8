using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Achievements;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class ActivityFactConfiguration : IEntityTypeConfiguration<ActivityFact>
{
    public void Configure(EntityTypeBuilder<ActivityFact> builder)
    {
        builder.HasKey(f => new { f.UserId, f.Type, f.SubjectId });
        builder.Property(f => f.Type).HasConversion<string>().HasMaxLength(32);
        builder.Property(f => f.SubjectId).HasMaxLength(ActivitySubjects.MaxLength);
        // Retroactive evaluation finds the users who did something an achievement reads.
        builder.HasIndex(f => new { f.Type, f.SubjectId, f.UserId });
        builder.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
