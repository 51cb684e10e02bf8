using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
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
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(e => e.ClassId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.StudentId).OnDelete(DeleteBehavior.Restrict);
    }
}
