using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartialAwardReferenceIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Awards_BatchId",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_CourseAssignmentId",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_IssuedById",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_RevokedById",
                table: "Awards");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_BatchId",
                table: "Awards",
                column: "BatchId",
                filter: "\"BatchId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_CourseAssignmentId",
                table: "Awards",
                column: "CourseAssignmentId",
                filter: "\"CourseAssignmentId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_IssuedById",
                table: "Awards",
                column: "IssuedById",
                filter: "\"IssuedById\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_RevokedById",
                table: "Awards",
                column: "RevokedById",
                filter: "\"RevokedById\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Awards_BatchId",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_CourseAssignmentId",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_IssuedById",
                table: "Awards");

            migrationBuilder.DropIndex(
                name: "IX_Awards_RevokedById",
                table: "Awards");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_BatchId",
                table: "Awards",
                column: "BatchId");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_CourseAssignmentId",
                table: "Awards",
                column: "CourseAssignmentId");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_IssuedById",
                table: "Awards",
                column: "IssuedById");

            migrationBuilder.CreateIndex(
                name: "IX_Awards_RevokedById",
                table: "Awards",
                column: "RevokedById");
        }
    }
}
