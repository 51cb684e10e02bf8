using Rosette.Domain.Issuance;

namespace Rosette.Features.Badges;

public sealed record BadgeHolder(
    Guid AwardId, Guid StudentId, string FirstName, string LastName, string Email, string OrganizationName, DateTime IssuedAt, DateTime? ExpiresAt,
    AwardStatus Status);
