using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Rosette.Domain;
using Rosette.Features.Accounts;
using Rosette.Domain.Users;

namespace Rosette.Infrastructure.Auth;

public static class AuthRegistration
{
    /// <summary>Pages sign in with a cookie; the JSON API (everything under /api) with a bearer token only.</summary>
    public const string Scheme = "Rosette";

    public static IServiceCollection AddRosetteAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var signIn = configuration.GetSection(SignInLimitOptions.Section).Get<SignInLimitOptions>() ?? new SignInLimitOptions();
        services.AddSignInLimits(signIn);
        // Before AddIdentityCore, which adds its own normalizer only when none is registered.
        services.AddSingleton<ILookupNormalizer, EmailLookupNormalizer>();
        services.AddIdentityCore<User>(o =>
            {
                o.Lockout.MaxFailedAccessAttempts = signIn.AccountLockoutFailures;
                o.Lockout.DefaultLockoutTimeSpan = signIn.AccountLockout;
                o.Lockout.AllowedForNewUsers = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.User.RequireUniqueEmail = true;
            })
            .AddUserStore<UserStore>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddTokenProvider<ClockedTokenProvider>(TokenOptions.DefaultProvider);
        // Reset links work once (they are bound to the security stamp) and for a day.
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = ResetLinkLifetime);

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
            })
            .AddPolicyScheme(Scheme, "Cookie for pages, bearer token or API key for the API", o =>
                o.ForwardDefaultSelector = context => !context.Request.Path.StartsWithSegments("/api") ? IdentityConstants.ApplicationScheme
                    : ApiKeyAuthenticationHandler.Carries(context.Request) ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.BearerScheme)
            .AddCookie(IdentityConstants.ApplicationScheme, o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/error/403";
                o.Cookie.Name = "rosette.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
            })
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TokenLifetime)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        // The cookie names a server-side session (SignInSessions), which logging out deletes.
        services.AddSingleton<SignInSessionStore>();
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<SignInSessionStore>((o, store) => o.SessionStore = store);
        services.AddSingleton(configuration.GetSection(ApiKeyOptions.Section).Get<ApiKeyOptions>() ?? new ApiKeyOptions());
        services.AddSingleton<ApiKeyLimits>();

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.SignedIn, p => p.RequireAuthenticatedUser());
        services.AddAdministratorsOnly();
        services.AddScoped(sp => sp.GetRequiredService<IHttpContextAccessor>().HttpContext!.GetActor());
        services.AddHttpContextAccessor();
        return services;
    }

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    public static readonly TimeSpan ResetLinkLifetime = TimeSpan.FromDays(1);
}

public static class Policies
{
    public const string SignedIn = "signed-in";
}

/// <summary>Creates API bearer tokens: Data Protection protected tickets, readable by every instance sharing the key ring.</summary>
public sealed class TokenIssuer(
    IUserClaimsPrincipalFactory<User> principals,
    Microsoft.Extensions.Options.IOptionsMonitor<BearerTokenOptions> bearerOptions,
    TimeProvider clock)
{
    public async Task<(string Token, DateTime ExpiresAt)> IssueAsync(User user)
    {
        var principal = await principals.CreateAsync(user);
        var expiresAt = clock.UtcNowSeconds().Add(AuthRegistration.TokenLifetime);
        var properties = new Microsoft.AspNetCore.Authentication.AuthenticationProperties
        {
            IssuedUtc = clock.GetUtcNow(),
            ExpiresUtc = new DateTimeOffset(expiresAt),
        };
        var ticket = new Microsoft.AspNetCore.Authentication.AuthenticationTicket(principal, properties, IdentityConstants.BearerScheme);
        var token = bearerOptions.Get(IdentityConstants.BearerScheme).BearerTokenProtector.Protect(ticket);
        return (token, expiresAt);
    }
}
