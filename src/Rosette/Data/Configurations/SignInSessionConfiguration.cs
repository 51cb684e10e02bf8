using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Auth;

namespace Rosette.Data.Configurations;

/// <summary>Signed-in browsers (<see cref="SignInSession"/>): found by the hash of the cookie's key, swept by expiry.</summary>
internal sealed class SignInSessionConfiguration : IEntityTypeConfiguration<SignInSession>
{
    public void Configure(EntityTypeBuilder<SignInSession> builder)
    {
        builder.ToTable("SignInSessions");
        builder.Property(s => s.Id).HasMaxLength(SignInSession.IdLength);
        builder.HasIndex(s => s.ExpiresAt);
        builder.HasIndex(s => s.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
