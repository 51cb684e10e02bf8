using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class CredentialSubjectConfiguration : IEntityTypeConfiguration<CredentialSubject>
{
    public void Configure(EntityTypeBuilder<CredentialSubject> builder)
    {
        builder.HasKey(s => new { s.StudentId, s.OrganizationId });
        builder.HasIndex(s => s.SubjectId).IsUnique();
        builder.HasOne<User>().WithMany().HasForeignKey(s => s.StudentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
