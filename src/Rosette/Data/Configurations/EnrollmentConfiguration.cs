using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class EnrollmentConfiguration : IEntityTypeConfiguration<Enrollment>
{
    public void Configure(EntityTypeBuilder<Enrollment> builder)
    {
        builder.HasKey(e => new { e.ClassId, e.StudentId });
        // Unenrolled (or enrolled again) once: the UPDATE matches only while the enrollment is as it was read, so of two
        // concurrent requests the second changes nothing (DbUpdateConcurrencyException) and is answered as it then stands.
        builder.Property(e => e.IsActive).IsConcurrencyToken();
        builder.HasIndex(e => e.StudentId);
        // The copy of the student (decision 0029) is the database's to write: EF leaves it out of every INSERT and UPDATE.
        Copied(builder.Property(e => e.StudentFirstName).HasMaxLength(Text.NameMaxLength).HasDefaultValue(""));
        Copied(builder.Property(e => e.StudentLastName).HasMaxLength(Text.NameMaxLength).HasDefaultValue(""));
        Copied(builder.Property(e => e.StudentOrganizationId).HasDefaultValue(Guid.Empty));
        Copied(builder.Property(e => e.StudentRole).HasDefaultValue(UserRole.Student));
        Copied(builder.Property(e => e.StudentIsActive).HasDefaultValue(false));
        // A class's roster in the order it is shown: its count and its pages read this index alone (RosterQueries).
        builder.HasIndex(e => new { e.ClassId, e.StudentLastName, e.StudentFirstName, e.StudentId })
            .HasFilter(IndexFilters.And(builder.IsTrue(e => e.IsActive), builder.IsTrue(e => e.StudentIsActive), builder.Is(e => e.StudentRole, UserRole.Student)))
            .HasDatabaseName("IX_Enrollments_Roster");
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(e => e.ClassId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.StudentId).OnDelete(DeleteBehavior.Restrict);
    }

    private static void Copied<TProperty>(PropertyBuilder<TProperty> property)
    {
        property.Metadata.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
        property.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
    }
}
