using Rosette.Domain.Issuance;

namespace Rosette.Features.Issuance;

public sealed record AwardDto(
    Guid Id, Guid BadgeId, string BadgeName, Guid StudentId, string StudentName, DateTime IssuedAt, Guid? IssuedById, string? IssuedByName,
    AwardSource Source, Guid? ClassId, Guid? CourseAssignmentId, Guid? BatchId, string? Narrative, DateTime? ExpiresAt,
    AwardStatus Status, DateTime? RevokedAt, Guid? RevokedById, string? RevocationReason);
