using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;

namespace Rosette.Data.Configurations;

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> builder)
    {
        builder.Property(k => k.Algorithm).HasMaxLength(16);
        builder.Ignore(k => k.IsCurrent);
        // One current key per algorithm, however many instances create or rotate keys at once.
        builder.HasIndex(k => k.Algorithm).IsUnique().HasFilter(builder.IsNull(k => k.RetiredAt)).HasDatabaseName("UX_SigningKeys_Current");
    }
}
