using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EnrollmentStudentCopy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "StudentFirstName",
                table: "Enrollments",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<bool>(
                name: "StudentIsActive",
                table: "Enrollments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "StudentLastName",
                table: "Enrollments",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "StudentOrganizationId",
                table: "Enrollments",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<string>(
                name: "StudentRole",
                table: "Enrollments",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "Student");

            // Fills the copy of every existing enrollment (before the index, which is then built once), then keeps it (decision 0029).
            migrationBuilder.CreateStudentCopyTriggers();

            migrationBuilder.CreateIndex(
                name: "IX_Enrollments_Roster",
                table: "Enrollments",
                columns: new[] { "ClassId", "StudentLastName", "StudentFirstName", "StudentId" },
                filter: "\"IsActive\" AND \"StudentIsActive\" AND \"StudentRole\" = 'Student'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropStudentCopyTriggers();

            migrationBuilder.DropIndex(
                name: "IX_Enrollments_Roster",
                table: "Enrollments");

            migrationBuilder.DropColumn(
                name: "StudentFirstName",
                table: "Enrollments");

            migrationBuilder.DropColumn(
                name: "StudentIsActive",
                table: "Enrollments");

            migrationBuilder.DropColumn(
                name: "StudentLastName",
                table: "Enrollments");

            migrationBuilder.DropColumn(
                name: "StudentOrganizationId",
                table: "Enrollments");

            migrationBuilder.DropColumn(
                name: "StudentRole",
                table: "Enrollments");
        }
    }
}
