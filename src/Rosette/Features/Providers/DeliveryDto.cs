using Rosette.Domain.Providers;

namespace Rosette.Features.Providers;

public sealed record DeliveryDto(
    Guid AwardId, Guid ProviderId, string ProviderName, Guid BadgeId, string BadgeName, Guid StudentId, string StudentName,
    DeliveryStatus Status, string? ProviderBadgeId, bool RevocationRequested, int Attempts, string? LastError,
    DateTime CreatedAt, DateTime? FirstAttemptAt, DateTime? LastAttemptAt, DateTime NextAttemptAt, DateTime? CompletedAt,
    IReadOnlyList<DeliveryAttemptDto>? AttemptLog = null);

public sealed record DeliveryAttemptDto(DateTime At, string Operation, int? StatusCode, string? Answer, int DurationMs);
