using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DataUpgrades : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DataUpgrades",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    DoneAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataUpgrades", x => x.Name);
                });

            // Made by start-up once this migration is applied (Data/Upgrades, ADR 0028): users' normalized emails written
            // before EmailAddress.Normalize put internationalized domains in their ASCII form.
            migrationBuilder.InsertData(
                table: "DataUpgrades",
                columns: ["Name", "DoneAt"],
                values: new object[] { "normalize-email-domains", null });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataUpgrades");
        }
    }
}
