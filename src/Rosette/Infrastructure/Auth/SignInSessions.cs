using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;

namespace Rosette.Infrastructure.Auth;

/// <summary>
/// A signed-in browser: the page cookie carries only a random key to this row (encrypted, like any cookie), and logging
/// out deletes the row, so a copy of the cookie taken before stops working at once, on every instance. The row is found by
/// the SHA-256 of the key: reading the table does not give anyone a session.
/// </summary>
public sealed class SignInSession
{
    public const int IdLength = 64;

    public string Id { get; set; } = "";

    public Guid UserId { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>The authentication ticket (<see cref="TicketSerializer"/>): the user's claims and the cookie's properties.</summary>
    public byte[] Ticket { get; set; } = [];
}

/// <summary>
/// The cookie handler's session store (<see cref="CookieAuthenticationOptions.SessionStore"/>) on <see cref="SignInSession"/>
/// rows. Each call uses a database context of its own, never the request's, so that nothing a page has pending is saved
/// with it. Expired rows are deleted when a new session is stored.
/// </summary>
public sealed class SignInSessionStore(IServiceScopeFactory scopes) : ITicketStore
{
    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        // The cookie handler's own clock set the ticket's times: expiry is judged by it, as the handler judges the cookie.
        if (ticket.Properties.IssuedUtc is { } issued)
        {
            var now = issued.UtcDateTime;
            await db.SignInSessions.Where(s => s.ExpiresAt < now).ExecuteDeleteAsync();
        }
        db.SignInSessions.Add(new SignInSession { Id = Hash(key), UserId = UserIdOf(ticket), ExpiresAt = ExpiresAt(ticket), Ticket = TicketSerializer.Default.Serialize(ticket) });
        await db.SaveChangesAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var id = Hash(key);
        var expiresAt = ExpiresAt(ticket);
        var serialized = TicketSerializer.Default.Serialize(ticket);
        // A session deleted meanwhile (logged out elsewhere) stays deleted.
        await db.SignInSessions.Where(s => s.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, expiresAt).SetProperty(x => x.Ticket, serialized));
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var id = Hash(key);
        var ticket = await db.SignInSessions.AsNoTracking().Where(s => s.Id == id).Select(s => s.Ticket).SingleOrDefaultAsync();
        return ticket is null ? null : TicketSerializer.Default.Deserialize(ticket);
    }

    public async Task RemoveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var id = Hash(key);
        await db.SignInSessions.Where(s => s.Id == id).ExecuteDeleteAsync();
    }

    private static Guid UserIdOf(AuthenticationTicket ticket) =>
        Guid.TryParse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id
            : throw new InvalidOperationException("A signed-in session without a user id.");

    private static DateTime ExpiresAt(AuthenticationTicket ticket) =>
        (ticket.Properties.ExpiresUtc ?? throw new InvalidOperationException("A signed-in session without an expiry.")).UtcDateTime;

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
