using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.SingleSignOn;

namespace Rosette.Data.Configurations;

internal sealed class SignInConnectionDomainConfiguration : IEntityTypeConfiguration<SignInConnectionDomain>
{
    public void Configure(EntityTypeBuilder<SignInConnectionDomain> builder)
    {
        builder.ToTable("SignInConnectionDomains");
        // A domain belongs to one connection at most, whatever two administrators save at once.
        builder.HasKey(d => d.Domain);
        builder.Property(d => d.Domain).HasMaxLength(SignInConnectionDomain.MaxLength);
        builder.HasIndex(d => d.ConnectionId);
    }
}
