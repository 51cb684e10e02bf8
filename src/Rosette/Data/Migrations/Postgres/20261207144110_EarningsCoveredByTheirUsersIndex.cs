using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EarningsCoveredByTheirUsersIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AchievementAwards_UserId_AchievementId",
                table: "AchievementAwards");

            migrationBuilder.CreateIndex(
                name: "IX_AchievementAwards_UserId_AchievementId_EarnedAt_Points",
                table: "AchievementAwards",
                columns: new[] { "UserId", "AchievementId", "EarnedAt", "Points" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AchievementAwards_UserId_AchievementId_EarnedAt_Points",
                table: "AchievementAwards");

            migrationBuilder.CreateIndex(
                name: "IX_AchievementAwards_UserId_AchievementId",
                table: "AchievementAwards",
                columns: new[] { "UserId", "AchievementId" });
        }
    }
}
