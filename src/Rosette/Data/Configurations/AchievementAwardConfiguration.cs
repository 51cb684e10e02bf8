using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Achievements;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class AchievementAwardConfiguration : IEntityTypeConfiguration<AchievementAward>
{
    public void Configure(EntityTypeBuilder<AchievementAward> builder)
    {
        // The n-th earning of an achievement by a user exists once, whichever worker or instance records it.
        builder.HasIndex(a => new { a.AchievementId, a.UserId, a.Ordinal }).IsUnique();
        // The worker reads each user's earnings (achievement, time, points) from this index alone, without the table's rows.
        builder.HasIndex(a => new { a.UserId, a.AchievementId, a.EarnedAt, a.Points });
        builder.HasIndex(a => new { a.AchievementId, a.EarnedAt });
        builder.HasOne<Achievement>().WithMany().HasForeignKey(a => a.AchievementId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
