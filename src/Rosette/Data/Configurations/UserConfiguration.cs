using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.Property(u => u.Email).HasMaxLength(EmailAddress.MaxLength);
        builder.Property(u => u.NormalizedEmail).HasMaxLength(EmailAddress.MaxLength);
        builder.HasIndex(u => u.NormalizedEmail).IsUnique();
        builder.Property(u => u.FirstName).HasMaxLength(Text.NameMaxLength);
        builder.Property(u => u.LastName).HasMaxLength(Text.NameMaxLength);
        builder.Property(u => u.SearchText).HasMaxLength(1000);
        builder.Property(u => u.PasswordHash).HasMaxLength(500);
        builder.Property(u => u.SecurityStamp).HasMaxLength(100);
        builder.HasOne<Organization>().WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(u => new { u.OrganizationId, u.Role });
        builder.Ignore(u => u.FullName);
    }
}
