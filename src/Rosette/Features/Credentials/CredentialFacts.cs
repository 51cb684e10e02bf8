using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Badges;

namespace Rosette.Features.Credentials;

/// <summary>
/// Everything the documents of one credential of an award are made of. <see cref="IssuedAt"/> is when the award was
/// earned; <see cref="ValidFrom"/> and <see cref="ExpiresAt"/> are this credential's validity (a renewal's differ), and a
/// superseded credential (an award renewed since) says when and by which credential.
/// </summary>
public sealed record CredentialFacts(
    Guid AwardId,
    DateTime IssuedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? RevocationReason,
    string? Narrative,
    string RecipientSalt,
    Guid StudentId,
    string StudentEmail,
    string StudentFirstName,
    string StudentLastName,
    BadgeFacts Badge,
    IssuerFacts Issuer)
{
    public Guid CredentialId { get; init; }

    /// <summary>The award's current credential (this one, unless a renewal superseded it).</summary>
    public Guid CurrentCredentialId { get; init; }

    public DateTime ValidFrom { get; init; }

    /// <summary>The credential this one renewed, if it is a renewal's.</summary>
    public Guid? PreviousCredentialId { get; init; }

    public DateTime? SupersededAt { get; init; }

    public Guid? SupersededById { get; init; }

    public bool IsRenewal => ValidFrom != IssuedAt;
}

public sealed record BadgeFacts(Guid Id, string Name, string Description, string? Criteria, string? ImageContentType, int ImageVersion, Guid OrganizationId)
{
    public bool HasPng => ImageContentType == BadgeImageContent.Png;

    public bool HasSvg => ImageContentType == BadgeImageContent.Svg;

    /// <summary>Criteria are required by both standards; a badge without them is earned as its description says.</summary>
    public string CriteriaNarrative => Criteria ?? Description;
}

public sealed record IssuerFacts(Guid Id, string Name);

public static class CredentialFactsQueries
{
    // Plain LINQ, not EF.CompileAsyncQuery: a compiled query cannot call Project (EF does not inline method calls in it).
    private static IQueryable<CredentialFacts> Project(RosetteDb db, Expression<Func<Domain.Issuance.Award, bool>> which) =>
        from a in db.Awards.Where(which)
        join b in db.Badges on a.BadgeId equals b.Id
        join s in db.Users on a.StudentId equals s.Id
        join o in db.Organizations on b.OrganizationId equals o.Id
        orderby a.IssuedAt descending, a.Id
        select new CredentialFacts(
            a.Id, a.IssuedAt, a.ExpiresAt, a.RevokedAt, a.RevocationReason, a.Narrative, a.RecipientSalt,
            s.Id, s.Email, s.FirstName, s.LastName,
            new BadgeFacts(b.Id, b.Name, b.Description, b.Criteria, b.ImageContentType, b.ImageVersion, b.OrganizationId),
            new IssuerFacts(o.Id, o.Name))
        {
            CredentialId = a.CredentialId ?? a.Id,
            CurrentCredentialId = a.CredentialId ?? a.Id,
            ValidFrom = a.RenewedAt ?? a.IssuedAt,
            PreviousCredentialId = db.AwardRenewals.Where(r => r.CredentialId == a.CredentialId).Select(r => (Guid?)r.PreviousCredentialId).FirstOrDefault(),
        };

    /// <summary>An award's current credential.</summary>
    public static Task<CredentialFacts?> FindAsync(this RosetteDb db, Guid awardId, CancellationToken cancellationToken) =>
        Project(db, a => a.Id == awardId).AsNoTracking().FirstOrDefaultAsync(cancellationToken);

    /// <summary>A credential by its id: an award's current one, or one that a renewal superseded (with its own validity).</summary>
    public static async Task<CredentialFacts?> FindCredentialAsync(this RosetteDb db, Guid credentialId, CancellationToken cancellationToken)
    {
        if (await Project(db, a => (a.Id == credentialId && a.CredentialId == null) || a.CredentialId == credentialId).AsNoTracking()
            .FirstOrDefaultAsync(cancellationToken) is { } current)
        {
            return current;
        }
        var renewal = await db.AwardRenewals.AsNoTracking().Where(r => r.PreviousCredentialId == credentialId).FirstOrDefaultAsync(cancellationToken);
        if (renewal is null || await db.FindAsync(renewal.AwardId, cancellationToken) is not { } award)
        {
            return null;
        }
        var previous = await db.AwardRenewals.AsNoTracking().Where(r => r.CredentialId == credentialId)
            .Select(r => (Guid?)r.PreviousCredentialId).FirstOrDefaultAsync(cancellationToken);
        return award with
        {
            CredentialId = credentialId,
            ValidFrom = renewal.PreviousValidFrom,
            ExpiresAt = renewal.PreviousValidUntil,
            PreviousCredentialId = previous,
            SupersededAt = renewal.RenewedAt,
            SupersededById = renewal.CredentialId,
        };
    }

    public static IQueryable<CredentialFacts> ForStudent(this RosetteDb db, Guid studentId) =>
        Project(db, a => a.StudentId == studentId);
}
