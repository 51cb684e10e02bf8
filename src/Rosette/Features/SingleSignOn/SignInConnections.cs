using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.SingleSignOn;

/// <summary>A connection as the API shows it: never the client secret, only whether one is set; with the address to register at the provider.</summary>
public sealed record SignInConnectionDto(
    Guid Id, Guid OrganizationId, string DisplayName, string Issuer, string ClientId, bool HasClientSecret, IReadOnlyList<string> EmailDomains,
    bool CreateUsers, UserRole CreatedUserRole, bool AllowPasswords, string RedirectPath, string SignInPath, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static SignInConnectionDto From(SignInConnection c) => new(
        c.Id, c.OrganizationId, c.DisplayName, c.Issuer, c.ClientId, c.ProtectedClientSecret.Length > 0, c.Domains.Select(d => d.Domain).Order().ToList(),
        c.CreateUsers, c.CreatedUserRole, c.AllowPasswords, SingleSignOnPaths.Callback(c.Id), SingleSignOnPaths.Landing(c.Id), c.CreatedAt, c.UpdatedAt);
}

public sealed record SaveSignInConnectionRequest(
    Guid? OrganizationId, string? DisplayName, string? Issuer, string? ClientId, string? ClientSecret, IReadOnlyList<string?>? EmailDomains,
    bool? CreateUsers, UserRole? CreatedUserRole, bool? AllowPasswords)
{
    /// <summary>The settings the request names; a method, so that neither the JSON binding nor the OpenAPI document takes it for a field.</summary>
    public SignInConnectionSettings ToSettings() => new(DisplayName, Issuer, ClientId, EmailDomains, CreateUsers, CreatedUserRole, AllowPasswords);
}

/// <summary>Client secrets are encrypted at rest with Data Protection, like provider tokens; nothing returns them.</summary>
public sealed class ClientSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Rosette.SingleSignOn.ClientSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>Administrators connect the organizations of their scope to an OpenID Connect provider (see Features/SingleSignOn/README.md).</summary>
public sealed class SignInConnectionsHandler(RosetteDb db, ClientSecrets secrets, AuditLog audit, TimeProvider clock, SingleSignOnOptions options)
{
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators configure single sign-on.");

    public async Task<Result<SignInConnectionDto>> CreateAsync(Actor actor, SaveSignInConnectionRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var organization = await db.Organizations.AdministeredBy(actor).AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null)
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        if (await db.SignInConnections.AnyAsync(c => c.OrganizationId == organizationId, cancellationToken))
        {
            return SignInConnectionErrors.AlreadyConnected;
        }
        var errors = new ValidationErrors();
        var secret = string.IsNullOrEmpty(request.ClientSecret) ? null : errors.Check(Text.Required("clientSecret", request.ClientSecret, SignInConnection.SecretMaxLength));
        var created = errors.Check(SignInConnection.Create(actor, organization.Id, organization.Path, request.ToSettings(),
            secret is null ? null : secrets.Protect(secret), options.AllowPlainHttp, clock.UtcNowSeconds()));
        if (errors.Any)
        {
            return errors.ToError();
        }
        if (await WhyDomainsRefusedAsync(created!, organization.Path, cancellationToken) is { } refused)
        {
            return refused;
        }
        db.SignInConnections.Add(created!);
        audit.Record(actor, AuditKind.SignInConnectionCreated, organization.Id, created!.Id,
            $"Connected '{organization.Name}' to single sign-on at {created.Issuer}", Describe(created));
        return await SaveAsync(created, cancellationToken);
    }

    public async Task<Result<Paged<SignInConnectionDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        return await paging.ToPageAsync(Administered(actor).Include(c => c.Domains).AsNoTracking().OrderBy(c => c.DisplayName).ThenBy(c => c.Id),
            SignInConnectionDto.From, cancellationToken);
    }

    public async Task<Result<SignInConnectionDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var connection = await Administered(actor).Include(c => c.Domains).AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        return connection is null ? CommonErrors.NotFound("sign_in_connection", id) : SignInConnectionDto.From(connection);
    }

    /// <summary>The connection of an organization of the scope, if it has one (the organization's page shows it).</summary>
    public async Task<SignInConnectionDto?> OfOrganizationAsync(Actor actor, Guid organizationId, CancellationToken cancellationToken)
    {
        var connection = await Administered(actor).Include(c => c.Domains).AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == organizationId, cancellationToken);
        return connection is null ? null : SignInConnectionDto.From(connection);
    }

    public async Task<Result<SignInConnectionDto>> UpdateAsync(Actor actor, Guid id, SaveSignInConnectionRequest request, CancellationToken cancellationToken)
    {
        var connection = await Administered(actor).Include(c => c.Domains).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null)
        {
            return CommonErrors.NotFound("sign_in_connection", id);
        }
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == connection.OrganizationId, cancellationToken);
        var errors = new ValidationErrors();
        // An empty secret field keeps the stored one: the secret is write-only.
        var secret = string.IsNullOrEmpty(request.ClientSecret) ? null : errors.Check(Text.Required("clientSecret", request.ClientSecret, SignInConnection.SecretMaxLength));
        var before = Describe(connection);
        if (!errors.Any && connection.Update(actor, organization.Path, request.ToSettings(), secret is null ? null : secrets.Protect(secret), options.AllowPlainHttp,
                clock.UtcNowSeconds()) is { } error)
        {
            errors.Add(error);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        if (await WhyDomainsRefusedAsync(connection, organization.Path, cancellationToken) is { } refused)
        {
            return refused;
        }
        var after = Describe(connection);
        var changes = new ChangeSet().Add("displayName", before.DisplayName, after.DisplayName).Add("issuer", before.Issuer, after.Issuer)
            .Add("clientId", before.ClientId, after.ClientId).Add("emailDomains", before.EmailDomains, after.EmailDomains)
            .Add("createUsers", before.CreateUsers, after.CreateUsers).Add("createdUserRole", before.CreatedUserRole, after.CreatedUserRole)
            .Add("allowPasswords", before.AllowPasswords, after.AllowPasswords);
        if (secret is not null)
        {
            changes.AddText("clientSecret", "", "(replaced)");
        }
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.SignInConnectionUpdated, connection.OrganizationId, connection.Id,
                $"Updated the single sign-on of '{organization.Name}': {changes.Fields}", changes.Data);
        }
        return await SaveAsync(connection, cancellationToken);
    }

    public async Task<Error?> DeleteAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await (from c in Administered(actor)
                           where c.Id == id
                           join o in db.Organizations on c.OrganizationId equals o.Id
                           select new { Connection = c, o.Path, o.Name }).SingleOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return CommonErrors.NotFound("sign_in_connection", id);
        }
        if (SignInConnection.WhyNotConfiguredBy(actor, found.Path) is { } refused)
        {
            return refused;
        }
        db.SignInConnections.Remove(found.Connection);
        audit.Record(actor, AuditKind.SignInConnectionDeleted, found.Connection.OrganizationId, found.Connection.Id,
            $"Removed the single sign-on of '{found.Name}' ({found.Connection.Issuer}): its people sign in with passwords again");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Removed by a concurrent request a moment ago: as if it had not been there (and audited once, by that request).
            return CommonErrors.NotFound("sign_in_connection", id);
        }
        return null;
    }

    /// <summary>The connection that owns the domain of <paramref name="email"/>, if any: what the log-in page sends the person to.</summary>
    public async Task<Guid?> FindByEmailAsync(string? email, CancellationToken cancellationToken)
    {
        var domain = SignInConnection.DomainOf(email);
        return domain is null ? null
            : await db.SignInConnectionDomains.Where(d => d.Domain == domain).Select(d => (Guid?)d.ConnectionId).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// A domain is owned by one connection only (the key of the domains table settles a race), and is never claimed while
    /// people outside the connection's organization hold addresses in it: an administrator cannot route another organization's
    /// people to a provider they control.
    /// </summary>
    private async Task<Error?> WhyDomainsRefusedAsync(SignInConnection connection, string organizationPath, CancellationToken cancellationToken)
    {
        var domains = connection.Domains.Select(d => d.Domain).ToList();
        if (domains.Count == 0)
        {
            return null;
        }
        if (await db.SignInConnectionDomains.AnyAsync(d => domains.Contains(d.Domain) && d.ConnectionId != connection.Id, cancellationToken))
        {
            return SignInConnectionErrors.DomainTaken;
        }
        var outside = db.Organizations.Where(o => !o.Path.StartsWith(organizationPath));
        foreach (var suffix in domains.SelectMany(SignInConnection.NormalizedEmailSuffixes))
        {
            if (await db.Users.AnyAsync(u => u.NormalizedEmail.EndsWith(suffix) && outside.Any(o => o.Id == u.OrganizationId), cancellationToken))
            {
                return SignInConnectionErrors.DomainInUse;
            }
        }
        return null;
    }

    private async Task<Result<SignInConnectionDto>> SaveAsync(SignInConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another administrator saved the same domain, or a connection for the same organization, a moment ago.
            return SignInConnectionErrors.DomainTaken;
        }
        return SignInConnectionDto.From(connection);
    }

    private IQueryable<SignInConnection> Administered(Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return db.SignInConnections.Where(c => organizations.Any(o => o.Id == c.OrganizationId));
    }

    /// <summary>What the audit log records of a connection: the role by its name, as every audit entry spells roles.</summary>
    private static Described Describe(SignInConnection c) => new(c.DisplayName, c.Issuer, c.ClientId, string.Join(",", c.Domains.Select(d => d.Domain).Order()),
        c.CreateUsers, c.CreatedUserRole.ToString(), c.AllowPasswords);

    private sealed record Described(string DisplayName, string Issuer, string ClientId, string EmailDomains, bool CreateUsers, string CreatedUserRole, bool AllowPasswords);
}

public static class SignInConnectionsApi
{
    public static RouteGroupBuilder MapSignInConnectionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/sign-in-connections").WithTags("Single sign-on").RequireAdministrator(SignInConnectionsHandler.AdministratorsOnly);
        group.MapPost("/", async Task<Results<Created<SignInConnectionDto>, ProblemHttpResult>> (
                SaveSignInConnectionRequest request, Actor actor, SignInConnectionsHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(c => $"/api/v1/sign-in-connections/{c.Id}"));
        group.MapGet("/", async Task<Results<Ok<Paged<SignInConnectionDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, SignInConnectionsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk());
        group.MapGet("/{id:guid}", async Task<Results<Ok<SignInConnectionDto>, ProblemHttpResult>> (
                Guid id, Actor actor, SignInConnectionsHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        group.MapPatch("/{id:guid}", async Task<Results<Ok<SignInConnectionDto>, ProblemHttpResult>> (
                Guid id, SaveSignInConnectionRequest request, Actor actor, SignInConnectionsHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());
        group.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, Actor actor, SignInConnectionsHandler handler, CancellationToken ct) =>
            (await handler.DeleteAsync(actor, id, ct)).ToNoContent());
        return api;
    }
}
