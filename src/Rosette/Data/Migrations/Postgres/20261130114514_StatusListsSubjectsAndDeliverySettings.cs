using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rosette.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StatusListsSubjectsAndDeliverySettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "Organizations",
                type: "character varying(35)",
                maxLength: 35,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                // Providers that existed before the setting keep what they did: Rosette mails.
                name: "Notifications",
                table: "BadgeProviders",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Rosette");

            migrationBuilder.CreateTable(
                name: "CredentialSubjects",
                columns: table => new
                {
                    StudentId = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    SubjectId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialSubjects", x => new { x.StudentId, x.OrganizationId });
                    table.ForeignKey(
                        name: "FK_CredentialSubjects_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CredentialSubjects_Users_StudentId",
                        column: x => x.StudentId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "StatusLists",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    Purpose = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Allocated = table.Column<int>(type: "integer", nullable: false),
                    IndexKey = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    Revision = table.Column<long>(type: "bigint", nullable: false),
                    SignedRevision = table.Column<long>(type: "bigint", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Jws = table.Column<string>(type: "text", nullable: true),
                    SignedBaseUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    SignedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ValidUntil = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PublishingUntil = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StatusLists", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StatusLists_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CredentialStatuses",
                columns: table => new
                {
                    CredentialId = table.Column<Guid>(type: "uuid", nullable: false),
                    AwardId = table.Column<Guid>(type: "uuid", nullable: false),
                    StatusListId = table.Column<Guid>(type: "uuid", nullable: false),
                    Index = table.Column<int>(type: "integer", nullable: false),
                    AllocatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialStatuses", x => x.CredentialId);
                    table.ForeignKey(
                        name: "FK_CredentialStatuses_Awards_AwardId",
                        column: x => x.AwardId,
                        principalTable: "Awards",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CredentialStatuses_StatusLists_StatusListId",
                        column: x => x.StatusListId,
                        principalTable: "StatusLists",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialStatuses_AwardId",
                table: "CredentialStatuses",
                column: "AwardId");

            migrationBuilder.CreateIndex(
                name: "IX_CredentialStatuses_StatusListId_Index",
                table: "CredentialStatuses",
                columns: new[] { "StatusListId", "Index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CredentialSubjects_OrganizationId",
                table: "CredentialSubjects",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_CredentialSubjects_SubjectId",
                table: "CredentialSubjects",
                column: "SubjectId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StatusLists_OrganizationId_Purpose_Number",
                table: "StatusLists",
                columns: new[] { "OrganizationId", "Purpose", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CredentialStatuses");

            migrationBuilder.DropTable(
                name: "CredentialSubjects");

            migrationBuilder.DropTable(
                name: "StatusLists");

            migrationBuilder.DropColumn(
                name: "Language",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "Notifications",
                table: "BadgeProviders");
        }
    }
}
