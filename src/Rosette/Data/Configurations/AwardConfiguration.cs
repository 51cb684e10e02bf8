using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class AwardConfiguration : IEntityTypeConfiguration<Award>
{
    /// <summary>The earn-once index: PostgreSQL names it in the error of a write it refuses.</summary>
    public const string EarnOnceIndex = "UX_Awards_Active_Badge_Student";

    public void Configure(EntityTypeBuilder<Award> builder)
    {
        builder.Property(a => a.Source).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.Narrative).HasMaxLength(Award.NarrativeMaxLength);
        builder.Property(a => a.RevocationReason).HasMaxLength(Award.RevocationReasonMaxLength);
        builder.Property(a => a.RecipientSalt).HasMaxLength(64);
        builder.Ignore(a => a.IsRevoked);
        // Revoked once: the UPDATE matches only while the award is still unrevoked, so of two concurrent revocations the
        // second changes nothing (DbUpdateConcurrencyException), is read again, and answers already_revoked.
        builder.Property(a => a.RevokedAt).IsConcurrencyToken();
        // Earn once: at most one active award of a badge per student, whoever issues it, however many instances run.
        builder.HasIndex(a => new { a.BadgeId, a.StudentId }).IsUnique().HasFilter(builder.IsNull(a => a.RevokedAt)).HasDatabaseName(EarnOnceIndex);
        builder.HasIndex(a => new { a.StudentId, a.BadgeId });
        builder.HasIndex(a => new { a.ClassId, a.IssuedAt });
        // The award list's order (newest first, then id): its first page reads 50 entries instead of sorting every award.
        builder.HasIndex(a => new { a.IssuedAt, a.Id }).IsDescending(true, false);
        // Optional references are indexed only where set: every index entry costs each row of a batch, and most awards have
        // no revoker and no course assignment (automatic ones no issuer and no batch). Lookups by value still use these.
        builder.HasIndex(a => a.BatchId).WhereNotNull();
        builder.HasIndex(a => a.IssuedById).WhereNotNull();
        builder.HasIndex(a => a.RevokedById).WhereNotNull();
        builder.HasIndex(a => a.CourseAssignmentId).WhereNotNull();
        builder.Ignore(a => a.CurrentCredentialId);
        builder.Ignore(a => a.ValidFrom);
        // Renewed awards only: the first credential's id is the award's own, so most awards add nothing here.
        builder.HasIndex(a => a.CredentialId).IsUnique().WhereNotNull();
        // Reminders and the expiring awards list read awards by expiry; awards that never expire are not in it.
        builder.HasIndex(a => a.ExpiresAt).HasFilter(IndexFilters.And(builder.IsNotNull(a => a.ExpiresAt), builder.IsNull(a => a.RevokedAt))).HasDatabaseName("IX_Awards_Expiring");
        builder.HasOne<Badge>().WithMany().HasForeignKey(a => a.BadgeId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.StudentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.IssuedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.RevokedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(a => a.ClassId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<CourseAssignment>().WithMany().HasForeignKey(a => a.CourseAssignmentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<IssuanceBatch>().WithMany().HasForeignKey(a => a.BatchId).OnDelete(DeleteBehavior.Restrict);
    }
}
