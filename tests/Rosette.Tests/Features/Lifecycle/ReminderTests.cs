using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Notifications;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Lifecycle;

/// <summary>
/// Expiry reminders: each once, recorded by one of two instances running at the same moment, kept across restarts (they are
/// rows), caught up after downtime without a heap of late mails, and silenced per badge or per organization.
/// </summary>
public sealed class ReminderTests(LifecycleFixture app) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task Reminders_TwoInstancesAndDowntime_MailEachReminderOnceAndDropTheOnesMissed()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 40, instructions: "Retake the safety lab at https://lab.example/renew.");
        var issued = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id, world.StudentA2.Id);
        var students = new[] { world.StudentA1, world.StudentA2 };

        // Day 11: the 30-day reminder fell due a day ago (the instances were down); both instances run at once.
        app.Clock.Advance(TimeSpan.FromDays(11));
        Assert.Equal(2, await app.RunSchedulersAsync());
        Assert.Equal(0, await app.RunSchedulersAsync());
        await WaitForSentAsync(issued.Issued.Select(i => i.AwardId), "expiring-30");
        foreach (var student in students)
        {
            var mail = Assert.Single(app.MailsTo(student.Email, "expires in 30 days"));
            var awardId = issued.Issued.Single(i => i.StudentId == student.Id).AwardId;
            Assert.Contains($"/credentials/{awardId}", mail.TextBody, StringComparison.Ordinal);
            Assert.Contains("Retake the safety lab at https://lab.example/renew.", mail.TextBody, StringComparison.Ordinal);
        }

        // Day 41: down again through the 7-day reminder; the award expired yesterday. Only the expiry is told, once.
        app.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(2, await app.RunSchedulersAsync());
        Assert.Equal(0, await app.RunSchedulersAsync());
        await WaitForSentAsync(issued.Issued.Select(i => i.AwardId), CredentialNotice.Expired);
        foreach (var student in students)
        {
            Assert.Single(app.MailsTo(student.Email, "has expired"));
            Assert.Empty(app.MailsTo(student.Email, "expires in 7 days"));
        }
        var moot = await app.Factory.WithDbAsync(db => db.CredentialNotices.Where(n => n.Kind == "expiring-7").ToListAsync());
        Assert.All(issued.Issued, i => Assert.False(Assert.Single(moot, n => n.AwardId == i.AwardId).Mail));
    }

    [Fact]
    public async Task Reminders_TurnedOffForTheBadgeOrTheOrganization_AreRecordedButNotMailed()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 40, sendReminders: false);
        await app.SetLifecycleAsync(world, world.BadgeB.Id, validityDays: 40);
        var admin = await app.AdminAsync(world);
        (await admin.PatchJsonAsync($"/api/v1/organizations/{world.B.Id}", new { sendExpiryReminders = false })).EnsureSuccessStatusCode();
        await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id);
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);
        (await (await app.ClientAsync(world.AdminB)).PostJsonAsync($"/api/v1/classes/{classB}/badge-issuances",
            new { badgeIds = new[] { world.BadgeB.Id }, studentIds = new[] { world.StudentB1.Id } })).EnsureSuccessStatusCode();

        app.Clock.Advance(TimeSpan.FromDays(11));
        await app.RunSchedulersAsync();

        var notices = await app.Factory.WithDbAsync(db => db.CredentialNotices.Where(n => n.Kind == "expiring-30")
            .Join(db.Awards, n => n.AwardId, a => a.Id, (n, a) => new { n.Mail, a.StudentId }).ToListAsync());
        Assert.False(Assert.Single(notices, n => n.StudentId == world.StudentA1.Id).Mail);
        Assert.False(Assert.Single(notices, n => n.StudentId == world.StudentB1.Id).Mail);
    }

    private Task WaitForSentAsync(IEnumerable<Guid> awardIds, string kind)
    {
        var ids = awardIds.ToList();
        return EventuallyCount.TrueAsync(() => app.Factory.WithDbAsync(db =>
            db.CredentialNotices.CountAsync(n => ids.Contains(n.AwardId) && n.Kind == kind && n.SentAt != null)), ids.Count, $"{kind} mails to be sent");
    }
}

public static class EventuallyCount
{
    public static Task TrueAsync(Func<Task<int>> count, int expected, string what) => Eventually.TrueAsync(async () => await count() == expected, what);
}
