using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rosette.Domain.Classes;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;

namespace Rosette.Data.Configurations;

internal sealed class IssuanceBatchConfiguration : IEntityTypeConfiguration<IssuanceBatch>
{
    public void Configure(EntityTypeBuilder<IssuanceBatch> builder)
    {
        builder.ToTable("IssuanceBatches");
        builder.Property(b => b.Source).HasConversion<string>().HasMaxLength(32);
        builder.Property(b => b.Narrative).HasMaxLength(Award.NarrativeMaxLength);
        builder.Property(b => b.IdempotencyKey).HasMaxLength(IssuanceBatch.IdempotencyKeyMaxLength);
        builder.Property(b => b.RequestHash).HasMaxLength(64);
        builder.HasIndex(b => new { b.IssuedById, b.IdempotencyKey }).IsUnique().HasFilter(builder.IsNotNull(b => b.IdempotencyKey));
        builder.HasIndex(b => new { b.ApiKeyId, b.IdempotencyKey }).IsUnique().WhereNotNull();
        builder.HasIndex(b => new { b.ClassId, b.CreatedAt });
        // The dashboard's recent batches, newest first across classes: read backwards until ten visible ones (ADR 0024).
        builder.HasIndex(b => new { b.CreatedAt, b.Id });
        builder.HasOne<TrainingClass>().WithMany().HasForeignKey(b => b.ClassId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(b => b.IssuedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Domain.ApiKeys.ApiKey>().WithMany().HasForeignKey(b => b.ApiKeyId).OnDelete(DeleteBehavior.Restrict);
    }
}
