using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.SingleSignOn;

namespace Rosette.Features.SingleSignOn;

/// <summary>
/// Which organization owns the domains of new people's addresses through its connection: what every way of creating people
/// (the users API and page, the command line, roster imports) asks <see cref="SignInConnection.WhyNotAddressIn"/> about.
/// </summary>
public static class EmailDomainClaims
{
    /// <summary>The path of the organization whose connection owns each of these addresses' domains, by domain (<see cref="SignInConnection.DomainOf"/>); one query.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ClaimingOrganizationsAsync(
        this RosetteDb db, IEnumerable<string> emails, CancellationToken cancellationToken)
    {
        var domains = emails.Select(SignInConnection.DomainOf).OfType<string>().Distinct().ToList();
        if (domains.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        return await (from d in db.SignInConnectionDomains
                      where domains.Contains(d.Domain)
                      join c in db.SignInConnections on d.ConnectionId equals c.Id
                      join o in db.Organizations on c.OrganizationId equals o.Id
                      select new { d.Domain, o.Path }).ToDictionaryAsync(x => x.Domain, x => x.Path, StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>Why a new person with <paramref name="email"/> may not be created in the organization at <paramref name="organizationPath"/>, if they may not.</summary>
    public static async Task<Error?> WhyNotCreateAsync(this RosetteDb db, string email, string organizationPath, CancellationToken cancellationToken)
    {
        var claims = await db.ClaimingOrganizationsAsync([email], cancellationToken);
        return SignInConnection.WhyNotAddressIn(organizationPath, Claim(claims, email));
    }

    /// <summary>The path of the organization owning the domain of <paramref name="email"/>, among <paramref name="claims"/>.</summary>
    public static string? Claim(IReadOnlyDictionary<string, string> claims, string email) =>
        SignInConnection.DomainOf(email) is { } domain ? claims.GetValueOrDefault(domain) : null;
}
