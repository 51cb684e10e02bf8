using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Badges;

namespace Rosette.Features.Credentials;

/// <summary>Everything the documents of one award are made of, read in one query.</summary>
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
    IssuerFacts Issuer);

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
    private static readonly Func<RosetteDb, Guid, IAsyncEnumerable<CredentialFacts>> ByAward = EF.CompileAsyncQuery(
        (RosetteDb db, Guid awardId) =>
            from a in db.Awards
            where a.Id == awardId
            join b in db.Badges on a.BadgeId equals b.Id
            join s in db.Users on a.StudentId equals s.Id
            join o in db.Organizations on b.OrganizationId equals o.Id
            select new CredentialFacts(
                a.Id, a.IssuedAt, a.ExpiresAt, a.RevokedAt, a.RevocationReason, a.Narrative, a.RecipientSalt,
                s.Id, s.Email, s.FirstName, s.LastName,
                new BadgeFacts(b.Id, b.Name, b.Description, b.Criteria, b.ImageContentType, b.ImageVersion, b.OrganizationId),
                new IssuerFacts(o.Id, o.Name)));

    public static async Task<CredentialFacts?> FindAsync(this RosetteDb db, Guid awardId, CancellationToken cancellationToken)
    {
        await foreach (var facts in ByAward(db, awardId).WithCancellation(cancellationToken))
        {
            return facts;
        }
        return null;
    }

    public static IQueryable<CredentialFacts> ForStudent(this RosetteDb db, Guid studentId) =>
        from a in db.Awards
        where a.StudentId == studentId
        join b in db.Badges on a.BadgeId equals b.Id
        join s in db.Users on a.StudentId equals s.Id
        join o in db.Organizations on b.OrganizationId equals o.Id
        orderby a.IssuedAt descending, a.Id
        select new CredentialFacts(
            a.Id, a.IssuedAt, a.ExpiresAt, a.RevokedAt, a.RevocationReason, a.Narrative, a.RecipientSalt,
            s.Id, s.Email, s.FirstName, s.LastName,
            new BadgeFacts(b.Id, b.Name, b.Description, b.Criteria, b.ImageContentType, b.ImageVersion, b.OrganizationId),
            new IssuerFacts(o.Id, o.Name));
}
