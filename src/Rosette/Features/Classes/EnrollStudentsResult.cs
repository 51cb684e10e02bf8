namespace Rosette.Features.Classes;

public sealed record EnrollmentFailure(Guid StudentId, string Code, string Message);

public sealed record EnrollStudentsResult(IReadOnlyList<Guid> Enrolled, IReadOnlyList<EnrollmentFailure> Failed);
