namespace Rosette.Features.Classes;

public sealed record RosterStudent(Guid Id, string FirstName, string LastName, string Email, Guid OrganizationId, string OrganizationName, DateTime EnrolledAt);
