using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;

namespace Rosette.Data.Configurations;

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> builder)
    {
        builder.Property(k => k.Algorithm).HasMaxLength(16);
        builder.Ignore(k => k.IsCurrent);
        // One current key per algorithm, however many instances create or rotate keys at once.
        builder.HasIndex(k => k.Algorithm).IsUnique().HasFilter("\"RetiredAt\" IS NULL").HasDatabaseName("UX_SigningKeys_Current");
    }
}

internal sealed class SignedCredentialConfiguration : IEntityTypeConfiguration<SignedCredential>
{
    public void Configure(EntityTypeBuilder<SignedCredential> builder)
    {
        builder.HasKey(c => c.AwardId);
        builder.Property(c => c.BaseUrl).HasMaxLength(500);
        builder.HasOne<Award>().WithOne().HasForeignKey<SignedCredential>(c => c.AwardId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SigningKey>().WithMany().HasForeignKey(c => c.KeyId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AwardNotificationConfiguration : IEntityTypeConfiguration<AwardNotification>
{
    public void Configure(EntityTypeBuilder<AwardNotification> builder)
    {
        builder.HasKey(n => new { n.AwardId, n.Kind });
        builder.Property(n => n.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(n => n.LastError).HasMaxLength(AwardNotification.ErrorMaxLength);
        builder.HasIndex(n => n.FailedAt).HasFilter("\"FailedAt\" IS NOT NULL").HasDatabaseName("IX_AwardNotifications_Failed");
        builder.HasOne<Award>().WithMany().HasForeignKey(n => n.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}
