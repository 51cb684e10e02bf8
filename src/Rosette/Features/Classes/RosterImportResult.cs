namespace Rosette.Features.Classes;

/// <summary>What the import does, or did, with one row of the file.</summary>
public enum ImportOutcome
{
    NewUser,
    Enrolled,
    AlreadyEnrolled,
    InvalidEmail,
    InvalidName,
    UnknownOrganization,
    DuplicateRow,
    NotAStudent,
    UserInactive,
    OutsideScope,
    MalformedRow,
    EmailTaken,
    EmailDomainClaimed,
}

public sealed record ImportRow(int Line, string Email, string FirstName, string LastName, string? Organization, ImportOutcome Outcome, string Message)
{
    /// <summary>Rows that are (or would be) written: a new student enrolled, or an existing one enrolled.</summary>
    public bool Accepted => Outcome is ImportOutcome.NewUser or ImportOutcome.Enrolled;
}

public sealed record RosterImportResult(
    Guid ClassId, bool Committed, int Rows, int NewUsers, int Enrolled, int AlreadyEnrolled, int Rejected, IReadOnlyList<ImportRow> Details);
