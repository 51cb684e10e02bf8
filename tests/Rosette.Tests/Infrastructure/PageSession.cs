using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Rosette.Domain.Users;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A browser-like client for page tests: signed in with the app's own cookie (made directly, skipping the password check),
/// keeping cookies between requests and posting forms with the antiforgery token of the page it last read.
/// </summary>
public sealed partial class PageSession(HttpClient client) : IDisposable
{
    /// <summary>A session of <paramref name="user"/>, on <paramref name="baseAddress"/> (its Host header; http://localhost unless told).</summary>
    public static async Task<PageSession> SignInAsync(RosetteFactory factory, User user, Uri? baseAddress = null)
    {
        baseAddress ??= new Uri("http://localhost");
        await using var scope = factory.Services.CreateAsyncScope();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<User>>().CreateAsync(user);
        var options = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        // As the cookie handler signs in: the ticket goes to the session store, the cookie carries only its key.
        var now = TimeProvider.System.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.Add(options.ExpireTimeSpan) };
        var key = await options.SessionStore!.StoreAsync(new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme));
        var keyOnly = new ClaimsPrincipal(new ClaimsIdentity([new Claim(SessionIdClaim, key, ClaimValueTypes.String, options.ClaimsIssuer)], options.ClaimsIssuer));
        var cookies = new CookieContainer();
        cookies.Add(baseAddress, new Cookie(options.Cookie.Name!, options.TicketDataFormat.Protect(new AuthenticationTicket(keyOnly, properties, IdentityConstants.ApplicationScheme))));
        return new PageSession(factory.CreateDefaultClient(baseAddress, new CookieContainerHandler(cookies)));
    }

    /// <summary>The claim the cookie handler puts its session store's key in.</summary>
    public const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    public string? Token { get; private set; }

    public async Task<(HttpStatusCode Status, string Html)> GetAsync(string url)
    {
        var response = await client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Token = TokenPattern().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : Token;
        return (response.StatusCode, html);
    }

    /// <summary>The whole answer to a GET, headers included.</summary>
    public Task<HttpResponseMessage> GetResponseAsync(string url) => client.GetAsync(url);

    /// <summary>Posts a form with the antiforgery token of the last page read; returns the answer (redirects are not followed).</summary>
    public async Task<HttpResponseMessage> PostAsync(string url, IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true)
    {
        var all = fields.ToList();
        if (withToken && Token is not null)
        {
            all.Add(new("__RequestVerificationToken", Token));
        }
        using var content = new FormUrlEncodedContent(all);
        return await client.PostAsync(url, content);
    }

    /// <summary>Posts <paramref name="content"/> as it is (a multipart upload); returns the answer (redirects are not followed).</summary>
    public Task<HttpResponseMessage> PostAsync(string url, HttpContent content) => client.PostAsync(url, content);

    public void Dispose() => client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
