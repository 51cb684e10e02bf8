using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AwardTallies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AwardTallies",
                columns: table => new
                {
                    BadgeId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClassId = table.Column<Guid>(type: "uuid", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Issued = table.Column<int>(type: "integer", nullable: false),
                    Revoked = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AwardTallies", x => new { x.BadgeId, x.ClassId, x.Day });
                    table.ForeignKey(
                        name: "FK_AwardTallies_Badges_BadgeId",
                        column: x => x.BadgeId,
                        principalTable: "Badges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AwardTallies_Day",
                table: "AwardTallies",
                column: "Day");

            // The triggers on Awards that keep the tallies, after counting the awards already there.
            migrationBuilder.CreateTallyTriggers();
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTallyTriggers();
            migrationBuilder.DropTable(
                name: "AwardTallies");
        }
    }
}
