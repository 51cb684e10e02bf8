using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// Everything a refused call must leave as it was, as text to compare before and after: the rows of every table that
/// requests write, except the audit log (refusals are audited), the outbox and what background workers change.
/// </summary>
public static class DbSnapshot
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReferenceHandler = ReferenceHandler.IgnoreCycles };

    public static Task<string> TakeAsync(RosetteFactory factory) => factory.WithDbAsync(async db =>
    {
        object[] tables =
        [
            await db.Organizations.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.Users.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.Courses.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.CourseAssignments.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.Classes.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.ClassInstructors.AsNoTracking().OrderBy(r => r.ClassId).ThenBy(r => r.UserId).ToListAsync(),
            await db.Enrollments.AsNoTracking().OrderBy(r => r.ClassId).ThenBy(r => r.StudentId).ToListAsync(),
            await db.Badges.AsNoTracking().Include(b => b.Availability).OrderBy(r => r.Id).ToListAsync(),
            await db.BadgeImages.AsNoTracking().OrderBy(r => r.BadgeId).Select(i => new { i.BadgeId, i.ContentType, i.Data.Length }).ToListAsync(),
            await db.Awards.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.IssuanceBatches.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.IssuanceFailures.AsNoTracking().CountAsync(),
            await db.BadgeProviders.AsNoTracking().Include(p => p.Availability).OrderBy(r => r.Id).ToListAsync(),
            await db.Achievements.AsNoTracking().OrderBy(r => r.Id).ToListAsync(),
            await db.ActivityEvents.AsNoTracking().CountAsync(),
            // "Last used" is when a key was last presented, refused calls included: not state a call changes.
            await db.ApiKeys.AsNoTracking().OrderBy(r => r.Id)
                .Select(k => new { k.Id, k.Name, k.OrganizationId, k.Permissions, k.SecretHash, k.CreatedById, k.ExpiresAt, k.RevokedAt, k.RevokedById }).ToListAsync(),
            await db.SignInConnections.AsNoTracking().Include(c => c.Domains).OrderBy(r => r.Id).ToListAsync(),
            await db.ExternalLogins.AsNoTracking().OrderBy(r => r.ConnectionId).ThenBy(r => r.Subject).ToListAsync(),
            // Without what the webhook dispatcher changes (failure tracking); it never touches a failed delivery.
            await db.WebhookEndpoints.AsNoTracking().OrderBy(r => r.Id)
                .Select(e => new { e.Id, e.OrganizationId, e.Url, e.Description, e.Events, e.ProtectedSecret, e.IsEnabled }).ToListAsync(),
            await db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == Rosette.Domain.Webhooks.WebhookDeliveryStatus.Failed).OrderBy(r => r.Id)
                .Select(d => new { d.Id, d.NextAttemptAt }).ToListAsync(),
        ];
        return JsonSerializer.Serialize(tables, Json);
    });

    /// <summary>Runs <paramref name="refused"/> and asserts that it changed nothing.</summary>
    public static async Task<T> UnchangedAsync<T>(RosetteFactory factory, Func<Task<T>> refused)
    {
        var before = await TakeAsync(factory);
        var outcome = await refused();
        Assert.Equal(before, await TakeAsync(factory));
        return outcome;
    }

    /// <summary>Runs <paramref name="refused"/> (calls that assert their own answers) and asserts that it changed nothing.</summary>
    public static Task UnchangedAsync(RosetteFactory factory, Func<Task> refused) =>
        UnchangedAsync(factory, async () => { await refused(); return true; });
}
