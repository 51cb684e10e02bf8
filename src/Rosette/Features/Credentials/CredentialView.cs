using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;

namespace Rosette.Features.Credentials;

/// <summary>What the public credential page and the student's My badges page show of one award.</summary>
public sealed record CredentialView(
    Guid AwardId,
    AwardStatus Status,
    DateTime IssuedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? RevocationReason,
    string? Narrative,
    Guid StudentId,
    string RecipientName,
    CredentialBadge Badge,
    CredentialIssuer Issuer,
    CredentialLinks Links)
{
    public Guid CredentialId { get; init; }

    /// <summary>This credential's validFrom: the award's issue, or the renewal that made it.</summary>
    public DateTime ValidFrom { get; init; }

    /// <summary>Set when a renewal replaced this credential: it stays valid as a record, but the current one is <see cref="SupersededBy"/>.</summary>
    public DateTime? SupersededAt { get; init; }

    public Guid? SupersededBy { get; init; }

    public string? CurrentPage { get; init; }
}

/// <summary><see cref="ImageUrl"/> is null when the badge has no image.</summary>
public sealed record CredentialBadge(Guid Id, string Name, string Description, string? Criteria, string? ImageUrl);

public sealed record CredentialIssuer(Guid Id, string Name, string ProfileUrl);

/// <summary>
/// Absolute links: <see cref="Png"/> only when the badge image is a PNG, <see cref="Svg"/> only when it is an SVG.
/// <see cref="AddToLinkedIn"/> opens LinkedIn's "add licence or certification" form, filled in.
/// </summary>
public sealed record CredentialLinks(
    string Page, string Jwt, string Json, string? Png, string? Svg, string Ob2Assertion, string? Ob2Png, string AddToLinkedIn);

/// <summary>The read model of credentials for pages: one award (public), or every award of a student (newest first).</summary>
public sealed class CredentialViewHandler(RosetteDb db, TimeProvider clock, CredentialUrls urls)
{
    /// <summary>A credential by its id (an award's first credential has the award's id), current or superseded by a renewal.</summary>
    public async Task<CredentialView?> GetAsync(Guid credentialId, CancellationToken cancellationToken)
    {
        var facts = await db.FindCredentialAsync(credentialId, cancellationToken);
        return facts is null ? null : ToView(facts, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>The caller decides who may see this list (the student themselves).</summary>
    public async Task<IReadOnlyList<CredentialView>> ListForStudentAsync(Guid studentId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var facts = await db.ForStudent(studentId).AsNoTracking().ToListAsync(cancellationToken);
        return facts.OrderByDescending(f => f.IssuedAt).ThenBy(f => f.AwardId).Select(f => ToView(f, now)).ToList();
    }

    private CredentialView ToView(CredentialFacts f, DateTime now)
    {
        var status = Award.StatusOf(f.RevokedAt, f.ExpiresAt, now);
        var badge = f.Badge;
        var id = f.CredentialId;
        var links = new CredentialLinks(
            urls.Page(id), urls.Jwt(id), urls.Json(id),
            badge.HasPng ? urls.Png(id) : null,
            badge.HasSvg ? urls.Svg(id) : null,
            urls.Ob2Assertion(f.AwardId),
            badge.HasPng ? urls.Ob2AssertionPng(f.AwardId) : null,
            LinkedIn.AddToProfile(badge.Name, f.Issuer.Name, f.ValidFrom, f.ExpiresAt, urls.Page(id), id));
        return new CredentialView(
            f.AwardId, status, f.IssuedAt, f.ExpiresAt, f.RevokedAt, f.RevocationReason, f.Narrative, f.StudentId,
            PersonName.Full(f.StudentFirstName, f.StudentLastName),
            new CredentialBadge(badge.Id, badge.Name, badge.Description, badge.Criteria,
                badge.ImageContentType is null ? null : urls.BadgeImage(badge.Id, badge.ImageVersion)),
            new CredentialIssuer(f.Issuer.Id, f.Issuer.Name, urls.Issuer(f.Issuer.Id)),
            links)
        {
            CredentialId = id,
            ValidFrom = f.ValidFrom,
            SupersededAt = f.SupersededAt,
            SupersededBy = f.SupersededById,
            CurrentPage = f.SupersededAt is null ? null : urls.Page(f.CurrentCredentialId),
        };
    }
}

public static class LinkedIn
{
    /// <summary>LinkedIn's documented "Add to profile" link for a certification.</summary>
    public static string AddToProfile(string name, string organizationName, DateTime issuedAt, DateTime? expiresAt, string url, Guid id)
    {
        var query = new List<string>
        {
            "startTask=CERTIFICATION_NAME",
            $"name={Uri.EscapeDataString(name)}",
            $"organizationName={Uri.EscapeDataString(organizationName)}",
            $"issueYear={issuedAt.Year}",
            $"issueMonth={issuedAt.Month}",
        };
        if (expiresAt is { } expires)
        {
            query.Add($"expirationYear={expires.Year}");
            query.Add($"expirationMonth={expires.Month}");
        }
        query.Add($"certUrl={Uri.EscapeDataString(url)}");
        query.Add($"certId={id:D}");
        return "https://www.linkedin.com/profile/add?" + string.Join('&', query);
    }
}
