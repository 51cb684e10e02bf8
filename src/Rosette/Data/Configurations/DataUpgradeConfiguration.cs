using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Data.Upgrades;

namespace Rosette.Data.Configurations;

internal sealed class DataUpgradeConfiguration : IEntityTypeConfiguration<DataUpgrade>
{
    public void Configure(EntityTypeBuilder<DataUpgrade> builder)
    {
        builder.ToTable("DataUpgrades");
        builder.HasKey(u => u.Name);
        builder.Property(u => u.Name).HasMaxLength(DataUpgrade.MaxNameLength);
    }
}
