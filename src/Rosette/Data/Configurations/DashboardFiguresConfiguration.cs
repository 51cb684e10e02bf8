using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Issuance;

namespace Rosette.Data.Configurations;

/// <summary>One row per administrator scope, keyed by it: the row every instance reads and replaces (decision 0026).</summary>
internal sealed class DashboardFiguresConfiguration : IEntityTypeConfiguration<DashboardFigures>
{
    public void Configure(EntityTypeBuilder<DashboardFigures> builder)
    {
        builder.HasKey(f => f.Scope);
        // An organization's path (OrganizationConfiguration) or EveryOrganization.
        builder.Property(f => f.Scope).HasMaxLength(2000);
        builder.Property(f => f.Counts).IsRequired();
    }
}
