using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RecentBatchesIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_IssuanceBatches_CreatedAt_Id",
                table: "IssuanceBatches",
                columns: new[] { "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_IssuanceBatches_CreatedAt_Id",
                table: "IssuanceBatches");
        }
    }
}
