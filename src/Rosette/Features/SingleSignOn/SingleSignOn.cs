using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;
using Rosette.Features.Accounts;
using Rosette.Features.Audit;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.SingleSignOn;

/// <summary>Why a sign-in through a provider failed, as a stable code and the sentence the failure page shows.</summary>
public static class SingleSignOnFailures
{
    public static readonly IReadOnlyDictionary<string, string> Messages = new Dictionary<string, string>
    {
        ["sso_provider_unavailable"] = "Your organization's identity provider could not be reached. Try again in a few minutes, or ask your administrator.",
        ["sso_wrong_audience"] = "Your identity provider's answer was meant for another application, so Rosette did not accept it. Ask your administrator to check the client id.",
        ["sso_invalid_token"] = "Your identity provider's answer could not be verified, so Rosette did not accept it. Ask your administrator.",
        ["sso_state_invalid"] = "This sign-in link has expired or was already used. Start again from the log-in page.",
        ["sso_nonce_mismatch"] = "Your identity provider's answer did not belong to this sign-in, so Rosette did not accept it. Start again from the log-in page.",
        ["sso_denied"] = "Your identity provider did not sign you in.",
        [SignInConnectionErrors.EmailUnverified.Code] = SignInConnectionErrors.EmailUnverified.Message,
        [SignInConnectionErrors.UserDeactivated.Code] = SignInConnectionErrors.UserDeactivated.Message,
        [SignInConnectionErrors.UserNotLinkable.Code] = SignInConnectionErrors.UserNotLinkable.Message,
        [SignInConnectionErrors.UnknownUser.Code] = SignInConnectionErrors.UnknownUser.Message,
        [SignInConnectionErrors.DomainNotOwned.Code] = SignInConnectionErrors.DomainNotOwned.Message,
        ["sso_failed"] = "Single sign-on failed. Start again from the log-in page, or ask your administrator.",
    };

    /// <summary>The code for what the OpenID Connect handler (or the provider's discovery) threw.</summary>
    public static string Classify(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            var code = e switch
            {
                OpenIdConnectProtocolInvalidNonceException => "sso_nonce_mismatch",
                SingleSignOnExpiredException => "sso_state_invalid",
                SecurityTokenInvalidAudienceException => "sso_wrong_audience",
                SecurityTokenException => "sso_invalid_token",
                HttpRequestException or OutboundRefusedException or TaskCanceledException or IOException => "sso_provider_unavailable",
                // IDX20803: the discovery document (or its keys) could not be read.
                InvalidOperationException when e.Message.Contains("IDX20803", StringComparison.Ordinal) => "sso_provider_unavailable",
                AuthenticationFailureException when e.Message.Contains("Correlation failed", StringComparison.Ordinal)
                    || e.Message.Contains("state was missing or invalid", StringComparison.Ordinal) => "sso_state_invalid",
                OpenIdConnectProtocolException when e.Message.Contains("access_denied", StringComparison.Ordinal) => "sso_denied",
                _ => null,
            };
            if (code is not null)
            {
                return code;
            }
        }
        return "sso_failed";
    }
}

/// <summary>
/// Completes a sign-in through a connection once the OpenID Connect handler has validated the provider's answer (state,
/// PKCE, signature, issuer, audience, nonce, lifetime): finds the person by their subject at the provider, else links them by
/// an email the provider marks verified, else creates them (<see cref="SignInConnection"/> decides who). Refusals and
/// failures are audited (throttled: anyone can cause them) and end on a page that says why.
/// </summary>
public sealed class SingleSignOnHandler(
    RosetteDb db, SignInManager<User> signIn, AuditLog audit, AuditThrottle throttle, TimeProvider clock, IHttpContextAccessor http,
    ILogger<SingleSignOnHandler> logger)
{
    /// <summary>Signs the person in and answers where to go: the return address, or the failure page.</summary>
    public async Task<string> CompleteAsync(ConnectionContext context, ClaimsPrincipal principal, string? returnUrl, CancellationToken cancellationToken)
    {
        try
        {
            return await CompleteOnceAsync(context, principal, returnUrl, cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // The same person's first sign-in on another tab or instance linked or created them a moment ago (the unique keys
            // of links and of email addresses): nothing of this one was stored, and it goes again, finding what the other made.
            db.ChangeTracker.Clear();
            return await CompleteOnceAsync(context, principal, returnUrl, cancellationToken);
        }
    }

    private async Task<string> CompleteOnceAsync(ConnectionContext context, ClaimsPrincipal principal, string? returnUrl, CancellationToken cancellationToken)
    {
        var subject = principal.FindFirstValue("sub");
        var email = principal.FindFirstValue("email")?.Trim();
        if (string.IsNullOrEmpty(subject) || subject.Length > ExternalLogin.SubjectMaxLength)
        {
            return await FailAsync(context, "sso_invalid_token", "the answer names no subject", email);
        }
        var connection = await db.SignInConnections.Include(c => c.Domains).AsNoTracking().SingleAsync(c => c.Id == context.Id, cancellationToken);
        var now = clock.UtcNowSeconds();
        var link = await db.ExternalLogins.SingleOrDefaultAsync(l => l.ConnectionId == context.Id && l.Subject == subject, cancellationToken);
        User? user;
        if (link is not null)
        {
            user = await db.Users.SingleAsync(u => u.Id == link.UserId, cancellationToken);
        }
        else
        {
            if (!string.Equals(principal.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase))
            {
                return await FailAsync(context, SignInConnectionErrors.EmailUnverified.Code, "the provider did not mark the email verified", email);
            }
            var parsed = EmailAddress.Parse("email", email);
            if (!parsed.IsSuccess)
            {
                return await FailAsync(context, SignInConnectionErrors.EmailUnverified.Code, "the answer holds no valid email address", email);
            }
            user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == EmailAddress.Normalize(parsed.Value), cancellationToken);
            if (user is null)
            {
                return await CreateAsync(context, connection, principal, parsed.Value, subject, returnUrl, now, cancellationToken);
            }
        }
        var path = await db.Organizations.Where(o => o.Id == user.OrganizationId).Select(o => o.Path).SingleAsync(cancellationToken);
        if (connection.WhyNotSignIn(user, path, context.OrganizationPath) is { } refused)
        {
            return await FailAsync(context, refused.Code, $"refused for {user.Email}", email, user);
        }
        if (link is null)
        {
            link = ExternalLogin.Create(context.Id, subject, user.Id, now);
            db.ExternalLogins.Add(link);
            audit.Record((Guid?)null, AuditKind.SingleSignOnLinked, user.OrganizationId, user.Id,
                $"Linked {user.FullName} ({user.Email}) to their account at '{context.DisplayName}' by a verified email", new { connectionId = context.Id });
        }
        link.SignedIn(now);
        await db.SaveChangesAsync(cancellationToken);
        return await SignInAsync(user, returnUrl);
    }

    /// <summary>Records a failure (once per connection, reason and address per window) and answers the failure page's address.</summary>
    public async Task<string> FailAsync(ConnectionContext context, string code, string detail, string? email = null, User? user = null)
    {
        var address = ClientAddress.Of(http.HttpContext);
        logger.LogWarning("Single sign-on through {Connection} failed: {Code} ({Detail}) from {Address}", context.Id, code, detail, address);
        if (throttle.Allows($"sso:{context.Id}:{code}:{user?.Id.ToString() ?? address}"))
        {
            var shown = email is { Length: > EmailAddress.MaxLength } ? email[..EmailAddress.MaxLength] : email;
            audit.Record((Guid?)null, AuditKind.SingleSignOnFailed, context.OrganizationId, user?.Id ?? context.Id,
                $"Single sign-on through '{context.DisplayName}' failed: {code}" + (shown is null ? "" : $" ({shown})"), new { code, detail, email = shown });
            await db.SaveChangesAsync();
        }
        return SingleSignOnPaths.Failed(context.Id, code);
    }

    private async Task<string> CreateAsync(
        ConnectionContext context, SignInConnection connection, ClaimsPrincipal principal, string email, string subject, string? returnUrl, DateTime now,
        CancellationToken cancellationToken)
    {
        if (connection.WhyNotCreate(email) is { } refused)
        {
            return await FailAsync(context, refused.Code, "no account, and none is created", email);
        }
        var (first, last) = Names(principal, email);
        var created = User.Create(email, first, last, context.OrganizationId, connection.CreatedUserRole, now);
        if (!created.IsSuccess)
        {
            return await FailAsync(context, "sso_failed", $"no account could be created: {created.Error.Message}", email);
        }
        var user = created.Value;
        db.Users.Add(user);
        db.ExternalLogins.Add(ExternalLogin.Create(context.Id, subject, user.Id, now));
        audit.Record((Guid?)null, AuditKind.UserCreated, user.OrganizationId, user.Id,
            $"Created {user.FullName} ({user.Email}) as {user.Role.ToString().ToLowerInvariant()} on first sign-in through '{context.DisplayName}'",
            new { user.Email, role = user.Role.ToString(), connectionId = context.Id });
        await db.SaveChangesAsync(cancellationToken);
        return await SignInAsync(user, returnUrl);
    }

    private async Task<string> SignInAsync(User user, string? returnUrl)
    {
        await signIn.SignInAsync(user, isPersistent: false);
        return LocalUrl.OrHome(returnUrl);
    }

    /// <summary>Names from the standard claims (given_name, family_name, name), else from the address, each within the names' limit.</summary>
    private static (string First, string Last) Names(ClaimsPrincipal principal, string email)
    {
        string? Claim(string type) => principal.FindFirstValue(type)?.Trim() is { Length: > 0 and <= Text.NameMaxLength } value && !value.Any(char.IsControl) ? value : null;
        var given = Claim("given_name");
        var family = Claim("family_name");
        if (given is null || family is null)
        {
            var parts = (Claim("name") ?? email[..email.LastIndexOf('@')]).Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            given ??= Shortened(parts[0]);
            family ??= parts.Length > 1 ? Shortened(parts[1]) : "-";
        }
        return (given, family);
    }

    /// <summary>At most the names' limit, never cutting a surrogate pair in two (an address's local part may be longer).</summary>
    private static string Shortened(string value) =>
        value.Length <= Text.NameMaxLength ? value : value[..(char.IsHighSurrogate(value[Text.NameMaxLength - 1]) ? Text.NameMaxLength - 1 : Text.NameMaxLength)];
}

/// <summary>The handler's events, for every connection: complete the sign-in in Rosette, or show and audit why it failed.</summary>
public sealed class SingleSignOnEvents : OpenIdConnectEvents
{
    public const string LoginHint = "login_hint";

    /// <summary>When the sign-in's state stops being accepted: kept in the protected state, measured on the app's clock.</summary>
    public const string ExpiresAt = "sso_expires_at";

    public static readonly SingleSignOnEvents Instance = new();

    private SingleSignOnEvents()
    {
        OnRedirectToIdentityProvider = context =>
        {
            // The handler builds redirect_uri from the request's scheme and Host, which the client chooses; it also keeps this
            // value in the state for redeeming the code, so the token request sends the same one.
            context.ProtocolMessage.RedirectUri = SingleSignOnPaths.RedirectUri(
                context.HttpContext.RequestServices.GetRequiredService<CredentialUrls>(), Connection(context.HttpContext).Id);
            if (context.Properties.Items.TryGetValue(LoginHint, out var hint) && hint is not null)
            {
                context.ProtocolMessage.LoginHint = hint;
            }
            var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
            context.Properties.Items[ExpiresAt] = (clock.GetUtcNow() + context.Options.RemoteAuthenticationTimeout).ToString("O", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        };
        // The handler does not require a signature on an id_token from the token endpoint (OpenID Connect Core 3.1.3.7 lets a
        // client rely on TLS there); Rosette requires one on every id_token, so an unsigned ("alg": "none") one is refused.
        // A signed one has had its signature checked against the provider's keys by now.
        OnTokenValidated = context =>
        {
            if (context.SecurityToken is not { } token || string.IsNullOrEmpty(token.RawSignature)
                || string.Equals(token.Header.Alg, "none", StringComparison.OrdinalIgnoreCase))
            {
                context.Fail(new SecurityTokenInvalidSignatureException("The identity provider's id_token is not signed."));
            }
            return Task.CompletedTask;
        };
        // The handler takes any state it can decrypt, however old (only the browser expires the correlation cookie): one
        // that outlived the remote-authentication timeout is refused before its code is redeemed.
        OnMessageReceived = context =>
        {
            if (context.Properties is { } properties)
            {
                var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
                if (!properties.Items.TryGetValue(ExpiresAt, out var value)
                    || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
                    || clock.GetUtcNow() >= expiresAt)
                {
                    context.Fail(new SingleSignOnExpiredException(value));
                }
            }
            return Task.CompletedTask;
        };
        OnTicketReceived = async context =>
        {
            var handler = context.HttpContext.RequestServices.GetRequiredService<SingleSignOnHandler>();
            context.Response.Redirect(await handler.CompleteAsync(Connection(context.HttpContext), context.Principal!, context.ReturnUri,
                context.HttpContext.RequestAborted));
            context.HandleResponse();
        };
        OnAccessDenied = async context =>
        {
            var handler = context.HttpContext.RequestServices.GetRequiredService<SingleSignOnHandler>();
            context.Response.Redirect(await handler.FailAsync(Connection(context.HttpContext), "sso_denied", "the provider answered access_denied"));
            context.HandleResponse();
        };
        OnRemoteFailure = async context =>
        {
            var handler = context.HttpContext.RequestServices.GetRequiredService<SingleSignOnHandler>();
            context.Response.Redirect(await handler.FailAsync(Connection(context.HttpContext), SingleSignOnFailures.Classify(context.Failure),
                context.Failure?.Message ?? "unknown"));
            context.HandleResponse();
        };
    }

    private static ConnectionContext Connection(HttpContext http) => (ConnectionContext)http.Items[typeof(ConnectionContext)]!;
}

/// <summary>A provider's answer to a sign-in whose state has expired (or carries no expiry).</summary>
public sealed class SingleSignOnExpiredException(string? expiresAt)
    : Exception($"The sign-in's state expired at {expiresAt ?? "(none)"}: it started longer ago than the remote-authentication timeout.");

public static class SingleSignOnEndpoints
{
    public static IEndpointRouteBuilder MapSingleSignOn(this IEndpointRouteBuilder app)
    {
        var sso = app.MapGroup("/sso/{connectionId:guid}").AllowAnonymous().RequireRateLimiting(SignInLimits.SingleSignOnPolicy).ExcludeFromDescription();
        sso.MapGet("/start", async (Guid connectionId, string? returnUrl, string? loginHint, HttpContext http, SingleSignOnHandler handler) =>
        {
            if (http.Items[typeof(ConnectionContext)] is not ConnectionContext connection)
            {
                return Results.NotFound();
            }
            var properties = new AuthenticationProperties { RedirectUri = LocalUrl.OrHome(returnUrl) };
            if (EmailAddress.Parse("loginHint", loginHint).IsSuccess)
            {
                properties.Items[SingleSignOnEvents.LoginHint] = loginHint!.Trim();
            }
            try
            {
                await http.ChallengeAsync(ConnectionOidcOptions.Scheme, properties);
                return Results.Empty;
            }
            catch (Exception e) when (SingleSignOnFailures.Classify(e) == "sso_provider_unavailable")
            {
                return Results.Redirect(await handler.FailAsync(connection, "sso_provider_unavailable", e.Message));
            }
        });
        // Answered by the OpenID Connect handler before it gets here, unless the connection does not exist.
        sso.MapGet("/callback", () => Results.NotFound());
        return app;
    }
}
