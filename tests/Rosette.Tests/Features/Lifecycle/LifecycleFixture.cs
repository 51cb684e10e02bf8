using MimeKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rosette.Data;
using Rosette.Features.Issuance;
using Rosette.Features.Notifications;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Lifecycle;

/// <summary>
/// Two app hosts on one database (two instances), one fake clock the tests move, each host mailing into a folder of its own
/// (so a mail sent by both would show twice), and a webhook receiver on loopback. The expiry scheduler is driven by the
/// tests (<see cref="RunSchedulersAsync"/>, both instances at once); outbox and webhook dispatchers run on both hosts.
/// </summary>
public sealed class LifecycleFixture : AppFixture
{
    private readonly string _mail = Path.Combine(Path.GetTempPath(), "rosette-tests", $"lifecycle-mail-{Guid.NewGuid():N}");

    /// <summary>A webhook attempt's limit, on <see cref="Clock"/>: an attempt times out only when a test moves the clock past it.</summary>
    public static readonly TimeSpan WebhookAttemptTimeout = TimeSpan.FromSeconds(2);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public RosetteFactory Second { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    private Dictionary<string, string?> SettingsFor(string host) => new(RosetteFactory.LocalOutbound)
    {
        ["Rosette:Mail:Directory"] = Path.Combine(_mail, host),
        ["Rosette:Outbox:PollInterval"] = "00:00:00.100",
        ["Rosette:Reminders:Enabled"] = "false",
        ["Rosette:Webhooks:PollInterval"] = "00:00:00.050",
        ["Rosette:Webhooks:AttemptTimeout"] = WebhookAttemptTimeout.ToString(),
        ["Rosette:Webhooks:DisableAfter"] = "01:00:00",
        ["Rosette:Providers:DispatcherEnabled"] = "false",
    };

    public override async ValueTask InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        await base.InitializeAsync();
        Second = new RosetteFactory(Database, Clock, SettingsFor("b"));
        Second.StartServer();
    }

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, Clock, SettingsFor("a"));

    public IEnumerable<RosetteFactory> Hosts => [Factory, Second];

    /// <summary>Both instances' expiry schedulers at the same moment; returns how many notices they recorded together.</summary>
    public async Task<int> RunSchedulersAsync()
    {
        var counts = await Task.WhenAll(Hosts.Select(h => h.Services.GetRequiredService<ExpiryScheduler>().RunOnceAsync(CancellationToken.None)));
        return counts.Sum();
    }

    /// <summary>Every mail either host wrote, with the file name (credential or award, and kind).</summary>
    public IReadOnlyList<(string File, MimeMessage Mail)> Mails() =>
        Directory.Exists(_mail)
            ? Directory.GetFiles(_mail, "*.eml", SearchOption.AllDirectories).Select(f => (Path.GetFileName(f), MimeMessage.Load(f))).ToList()
            : [];

    public IReadOnlyList<MimeMessage> MailsTo(string email, string subjectPart) =>
        Mails().Select(m => m.Mail).Where(m => m.To.Mailboxes.Any(b => b.Address == email) && (m.Subject ?? "").Contains(subjectPart, StringComparison.Ordinal)).ToList();

    public async Task<HttpClient> AdminAsync(World world) => await ClientAsync(world.AdminRoot);

    /// <summary>Gives a badge a validity (and optionally its renewal window, reminders and instructions) through the API.</summary>
    public async Task SetLifecycleAsync(World world, Guid badgeId, int validityDays, int? renewalWindowDays = null, int[]? reminderDays = null,
        bool? sendReminders = null, string? instructions = null)
    {
        var admin = await AdminAsync(world);
        (await admin.PatchJsonAsync($"/api/v1/badges/{badgeId}", new { validityDays, renewalWindowDays, reminderDays, sendReminders, renewalInstructions = instructions }))
            .EnsureSuccessStatusCode();
    }

    public async Task<IssueBadgesResult> IssueAsync(World world, Guid badgeId, params Guid[] studentIds)
    {
        var admin = await AdminAsync(world);
        return await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { badgeId }, studentIds }))
            .IsOkAsync<IssueBadgesResult>();
    }

    /// <summary>An automatic (achievement) issuance of one pair, in a transaction of its own, as the achievement processor writes it.</summary>
    public async Task<(Guid BadgeId, Guid StudentId, Guid AwardId)> IssueAutomaticallyAsync(Guid badgeId, Guid studentId)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var done = await scope.ServiceProvider.GetRequiredService<AwardIssuer>().IssueAutomaticallyAsync([(badgeId, studentId)], CancellationToken.None);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return Assert.Single(done);
    }

    public override async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
        if (Directory.Exists(_mail))
        {
            Directory.Delete(_mail, recursive: true);
        }
    }
}
