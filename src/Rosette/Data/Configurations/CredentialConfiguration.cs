using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

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
        builder.HasKey(c => c.CredentialId);
        builder.Property(c => c.BaseUrl).HasMaxLength(500);
        builder.HasIndex(c => c.AwardId);
        builder.HasOne<Award>().WithMany().HasForeignKey(c => c.AwardId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SigningKey>().WithMany().HasForeignKey(c => c.KeyId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class StatusListConfiguration : IEntityTypeConfiguration<StatusList>
{
    public void Configure(EntityTypeBuilder<StatusList> builder)
    {
        builder.Property(l => l.Purpose).HasMaxLength(32);
        builder.Property(l => l.IndexKey).HasMaxLength(32);
        builder.Property(l => l.SignedBaseUrl).HasMaxLength(500);
        // An issuer's lists are numbered 1, 2, ...: instances racing to open the next list are settled here.
        builder.HasIndex(l => new { l.OrganizationId, l.Purpose, l.Number }).IsUnique();
        builder.HasOne<Organization>().WithMany().HasForeignKey(l => l.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CredentialStatusConfiguration : IEntityTypeConfiguration<CredentialStatus>
{
    public void Configure(EntityTypeBuilder<CredentialStatus> builder)
    {
        builder.HasKey(s => s.CredentialId);
        // An index is given once: never to two credentials, whatever instance allocates it.
        builder.HasIndex(s => new { s.StatusListId, s.Index }).IsUnique();
        builder.HasIndex(s => s.AwardId);
        builder.HasOne<StatusList>().WithMany().HasForeignKey(s => s.StatusListId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Award>().WithMany().HasForeignKey(s => s.AwardId).OnDelete(DeleteBehavior.Cascade);
    }
}

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

internal sealed class CredentialNoticeConfiguration : IEntityTypeConfiguration<CredentialNotice>
{
    public void Configure(EntityTypeBuilder<CredentialNotice> builder)
    {
        // Each notice happens once per credential, whatever number of instances schedule it.
        builder.HasKey(n => new { n.CredentialId, n.Kind });
        builder.Property(n => n.Kind).HasMaxLength(32);
        builder.HasIndex(n => n.AwardId);
        builder.HasOne<Award>().WithMany().HasForeignKey(n => n.AwardId).OnDelete(DeleteBehavior.Cascade);
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
