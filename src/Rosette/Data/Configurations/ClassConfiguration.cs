using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class TrainingClassConfiguration : IEntityTypeConfiguration<TrainingClass>
{
    public void Configure(EntityTypeBuilder<TrainingClass> builder)
    {
        builder.ToTable("Classes");
        builder.Property(c => c.Name).HasMaxLength(Text.NameMaxLength);
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Course>().WithMany().HasForeignKey(c => c.CourseId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ClassInstructorConfiguration : IEntityTypeConfiguration<ClassInstructor>
{
    public void Configure(EntityTypeBuilder<ClassInstructor> builder)
    {
        builder.HasKey(i => new { i.ClassId, i.UserId });
        builder.HasIndex(i => i.UserId);
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(i => i.ClassId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class EnrollmentConfiguration : IEntityTypeConfiguration<Enrollment>
{
    public void Configure(EntityTypeBuilder<Enrollment> builder)
    {
        builder.HasKey(e => new { e.ClassId, e.StudentId });
        builder.HasIndex(e => e.StudentId);
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(e => e.ClassId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.StudentId).OnDelete(DeleteBehavior.Restrict);
    }
}
