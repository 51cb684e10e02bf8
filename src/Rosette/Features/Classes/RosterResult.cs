namespace Rosette.Features.Classes;

public sealed record RosterResult(Guid ClassId, IReadOnlyList<RosterStudent> Students, int Page, int PageSize, int Total);
