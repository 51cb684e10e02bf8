using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Classes;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

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
