using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Notifications;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Outbox;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Notifications;

/// <summary>
/// Award mail against a real SMTP server with faults: refused connections, 4xx, 5xx and a server that never answers.
/// A mail is retried with the outbox's backoff, never sent twice, and one given up is shown to administrators.
/// </summary>
[Collection(FakeClockGroup.Name)]
public sealed class MailFaultTests(FakeClockFixture app)
{
    private async Task<IssueBadgesResult> IssueAsync(World world, params Rosette.Domain.Users.User[] students) =>
        await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = students.Select(s => s.Id) })).IsOkAsync<IssueBadgesResult>();

    private Task<OutboxMessage> MessageOfAsync(IssueBadgesResult batch) => app.Factory.WithDbAsync(async db =>
        (await db.OutboxMessages.AsNoTracking().Where(m => m.Topic == OutboxTopics.AwardsIssued).ToListAsync())
        .Single(m => m.Read<AwardsIssued>().BatchId == batch.Id));

    private Task<AwardNotification> NotificationAsync(Guid awardId) =>
        app.Factory.WithDbAsync(db => db.AwardNotifications.AsNoTracking().SingleAsync(n => n.AwardId == awardId && n.Kind == NotificationKind.Issued));

    /// <summary>Dispatches until the message's attempt number <paramref name="attempt"/> is recorded, moving the clock to its due time first.</summary>
    private async Task<OutboxMessage> AttemptAsync(IssueBadgesResult batch, int attempt)
    {
        var message = await MessageOfAsync(batch);
        Assert.Equal(attempt - 1, message.Attempts);
        var wait = message.DueAt - app.Clock.GetUtcNow().UtcDateTime;
        if (wait > TimeSpan.Zero)
        {
            app.Clock.Advance(wait);
        }
        await app.DispatchAsync();
        return await MessageOfAsync(batch);
    }

    [Fact]
    public async Task Mail_ServerBusyThenAccepting_IsRetriedAfterBackoff_AndSentOnce()
    {
        var world = await app.NewWorldAsync();
        app.Smtp.FailNext(world.StudentA1.Email, SmtpFault.Busy);
        var batch = await IssueAsync(world, world.StudentA1);

        var failed = await AttemptAsync(batch, 1);
        await app.DispatchAsync(); // not due yet: nothing is sent before the backoff

        Assert.Null(failed.ProcessedAt);
        Assert.Contains("451", failed.LastError, StringComparison.Ordinal);
        var backoff = failed.DueAt - app.Clock.GetUtcNow().UtcDateTime;
        Assert.InRange(backoff, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.5));
        Assert.Empty(app.Smtp.MessagesTo(world.StudentA1.Email));
        Assert.Contains("451", (await NotificationAsync(batch.Issued[0].AwardId)).LastError, StringComparison.Ordinal);

        var sent = await AttemptAsync(batch, 2);
        await app.Factory.WithDbAsync(async db =>
        {
            db.Publish(OutboxTopics.AwardsIssued, new AwardsIssued(batch.Id, null, false), app.Clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
        });
        await app.DispatchAsync(); // a duplicate of the message sends nothing more

        Assert.NotNull(sent.ProcessedAt);
        Assert.Null(sent.LastError);
        var mail = Assert.Single(app.Smtp.MessagesTo(world.StudentA1.Email));
        Assert.Contains(world.Manual.Name, mail.Subject, StringComparison.Ordinal);
        var state = await NotificationAsync(batch.Issued[0].AwardId);
        Assert.Equal((2, (DateTime?)null), (state.Attempts, state.FailedAt));
        Assert.NotNull(state.SentAt);
    }

    [Fact]
    public async Task Mail_ConnectionRefusedThenServerBack_IsSentOnce()
    {
        var world = await app.NewWorldAsync();
        var batch = await IssueAsync(world, world.StudentA2);
        await app.Smtp.StopAsync();
        OutboxMessage refused;
        try
        {
            refused = await AttemptAsync(batch, 1);
        }
        finally
        {
            app.Smtp.Start();
        }

        var sent = await AttemptAsync(batch, 2);

        Assert.Null(refused.ProcessedAt);
        Assert.Contains("refused", refused.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(sent.ProcessedAt);
        Assert.Single(app.Smtp.MessagesTo(world.StudentA2.Email));
    }

    [Fact]
    public async Task Mail_ServerNeverAnswers_TimesOut_AndTheRetryIsSentOnce()
    {
        var world = await app.NewWorldAsync();
        app.Smtp.FailNext(world.StudentB1.Email, SmtpFault.Hang);
        var batch = await IssueAsync(world, world.StudentB1);

        var timedOut = await AttemptAsync(batch, 1);
        var sent = await AttemptAsync(batch, 2);

        Assert.Null(timedOut.ProcessedAt);
        Assert.NotNull(timedOut.LastError);
        Assert.NotNull(sent.ProcessedAt);
        Assert.Single(app.Smtp.MessagesTo(world.StudentB1.Email));
    }

    [Fact]
    public async Task Mail_RecipientRefusedFor5xx_IsGivenUpAtOnce_TheOthersAreSent_AndAdministratorsSeeIt()
    {
        var world = await app.NewWorldAsync();
        app.Smtp.FailNext(world.StudentA1.Email, SmtpFault.Rejected);
        var batch = await IssueAsync(world, world.StudentA1, world.StudentA2);
        var refusedAward = batch.Issued.Single(i => i.StudentId == world.StudentA1.Id).AwardId;

        var done = await AttemptAsync(batch, 1);
        await app.DispatchAsync(); // the message is done: the refused mail is not tried again

        Assert.NotNull(done.ProcessedAt);
        Assert.Null(done.LastError);
        Assert.Empty(app.Smtp.MessagesTo(world.StudentA1.Email));
        Assert.Single(app.Smtp.MessagesTo(world.StudentA2.Email));
        var refused = await NotificationAsync(refusedAward);
        Assert.NotNull(refused.FailedAt);
        Assert.Contains("550", refused.LastError, StringComparison.Ordinal);
        var dashboard = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        var shown = Assert.Single(dashboard.MailFailures, f => f.AwardId == refusedAward);
        Assert.Equal((world.StudentA1.Email, NotificationKind.Issued), (shown.Email, shown.Kind));
        Assert.Contains("550", shown.Error, StringComparison.Ordinal);
        var outOfScope = await (await (await app.ClientAsync(world.AdminB)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        Assert.DoesNotContain(outOfScope.MailFailures, f => f.AwardId == refusedAward);
    }

    [Fact]
    public async Task Mail_StillFailingAtTheOutboxsLastAttempt_IsGivenUp_AfterGrowingBackoffs()
    {
        var world = await app.NewWorldAsync();
        app.Smtp.FailNext(world.StudentA1x.Email, Enumerable.Repeat(SmtpFault.Busy, FakeClockFixture.OutboxAttempts).ToArray());
        var batch = await IssueAsync(world, world.StudentA1x);

        var waits = new List<TimeSpan>();
        for (var attempt = 1; attempt < FakeClockFixture.OutboxAttempts; attempt++)
        {
            var failed = await AttemptAsync(batch, attempt);
            Assert.Null(failed.ProcessedAt);
            waits.Add(failed.DueAt - app.Clock.GetUtcNow().UtcDateTime);
        }
        var last = await AttemptAsync(batch, FakeClockFixture.OutboxAttempts);

        Assert.Equal(waits.Order(), waits);
        Assert.True(waits[0] < waits[^1] / 2, $"backoffs {string.Join(", ", waits)}");
        Assert.NotNull(last.ProcessedAt);
        Assert.Empty(app.Smtp.MessagesTo(world.StudentA1x.Email));
        var givenUp = await NotificationAsync(batch.Issued[0].AwardId);
        Assert.Equal(FakeClockFixture.OutboxAttempts, givenUp.Attempts);
        Assert.NotNull(givenUp.FailedAt);
        Assert.Contains("451", givenUp.LastError, StringComparison.Ordinal);
    }
}
