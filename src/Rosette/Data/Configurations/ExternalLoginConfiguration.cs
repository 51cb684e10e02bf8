using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class ExternalLoginConfiguration : IEntityTypeConfiguration<ExternalLogin>
{
    public void Configure(EntityTypeBuilder<ExternalLogin> builder)
    {
        builder.ToTable("ExternalLogins");
        builder.HasKey(l => new { l.ConnectionId, l.Subject });
        builder.Property(l => l.Subject).HasMaxLength(ExternalLogin.SubjectMaxLength);
        builder.HasIndex(l => l.UserId);
        builder.HasOne<SignInConnection>().WithMany().HasForeignKey(l => l.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
