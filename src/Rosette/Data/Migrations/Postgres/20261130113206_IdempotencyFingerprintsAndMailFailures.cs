using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "FailedAt",
                table: "AwardNotifications",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastError",
                table: "AwardNotifications",
                type: "character varying(1000)",
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
