using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IdempotencyFingerprintsAndMailFailures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RequestHash",
                table: "IssuanceBatches",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "FailedAt",
                table: "AwardNotifications",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastError",
                table: "AwardNotifications",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AwardNotifications_Failed",
                table: "AwardNotifications",
                column: "FailedAt",
                filter: "\"FailedAt\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AwardNotifications_Failed",
                table: "AwardNotifications");

            migrationBuilder.DropColumn(
                name: "RequestHash",
                table: "IssuanceBatches");

            migrationBuilder.DropColumn(
                name: "FailedAt",
                table: "AwardNotifications");

            migrationBuilder.DropColumn(
                name: "LastError",
                table: "AwardNotifications");
        }
    }
}
