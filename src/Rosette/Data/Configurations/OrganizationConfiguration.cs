using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain;
using Rosette.Domain.Organizations;

namespace Rosette.Data.Configurations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.Property(o => o.Name).HasMaxLength(Text.NameMaxLength);
        builder.Property(o => o.Path).HasMaxLength(2000);
        builder.Property(o => o.Language).HasMaxLength(35);
        builder.HasIndex(o => o.Path).IsUnique();
        builder.HasOne<Organization>().WithMany().HasForeignKey(o => o.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}
