using System.Diagnostics.Metrics;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;

namespace Rosette.Infrastructure.Telemetry;

/// <summary>
/// Rosette's own instruments (meter <c>Rosette</c>), described with what to alert on in docs/operations.md. Counters and
/// histograms are recorded where the work commits; the backlog gauges read the last <see cref="Backlog"/> that
/// <see cref="BacklogMonitor"/> measured, and are the same on every instance (they count the shared database).
/// Tags carry kinds and outcomes only, never names, emails or ids.
/// </summary>
public sealed class RosetteMetrics
{
    public const string MeterName = "Rosette";

    private readonly Counter<long> _awardsIssued;
    private readonly Counter<long> _awardsRevoked;
    private readonly Histogram<int> _batchPairs;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _eventsProcessed;
    private readonly Counter<long> _outboxFailures;
    private readonly Counter<long> _deliveryOutcomes;
    private readonly Counter<long> _mailSent;
    private readonly Counter<long> _mailFailures;
    private readonly ObservableGauge<double> _eventLag;
    private Backlog? _backlog;

    public RosetteMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _awardsIssued = meter.CreateCounter<long>("rosette.awards.issued", "{award}", "Awards committed, by source (roster, course_assignment, achievement).");
        _awardsRevoked = meter.CreateCounter<long>("rosette.awards.revoked", "{award}", "Awards revoked.");
        _batchPairs = meter.CreateHistogram<int>("rosette.issuance.batch.pairs", "{pair}", "Badge-student pairs asked for in one issuance request.");
        _batchDuration = meter.CreateHistogram<double>("rosette.issuance.batch.duration", "s", "Time to decide and commit one issuance request.");
        _eventsProcessed = meter.CreateCounter<long>("rosette.activity.events.processed", "{event}", "Activity events evaluated and marked processed.");
        _outboxFailures = meter.CreateCounter<long>("rosette.outbox.failures", "{attempt}", "Outbox message attempts that failed, by topic; final=true when the message was set aside.");
        _deliveryOutcomes = meter.CreateCounter<long>("rosette.deliveries.attempts", "{attempt}", "Badge provider delivery attempts, by the state they left the delivery in.");
        _mailSent = meter.CreateCounter<long>("rosette.mail.sent", "{mail}", "Award mails handed to the mail server (or written as .eml files), by kind.");
        _mailFailures = meter.CreateCounter<long>("rosette.mail.failures", "{attempt}", "Award mails that failed, by kind; permanent=true when the mail was given up.");
        _eventLag = meter.CreateObservableGauge("rosette.activity.event_lag", () => Observe(b => b.OldestPendingEventAge.TotalSeconds), "s",
            "Age of the oldest activity event not yet evaluated (0 when none waits).");
        meter.CreateObservableGauge("rosette.activity.events.pending", () => Observe(b => (double)b.PendingEvents), "{event}", "Activity events not yet evaluated.");
        meter.CreateObservableGauge("rosette.outbox.backlog", () => Observe(b => (double)b.OutboxDue), "{message}", "Outbox messages due and not yet processed.");
        meter.CreateObservableGauge("rosette.outbox.lag", () => Observe(b => b.OutboxLag.TotalSeconds), "s",
            "How long the most overdue outbox message has waited past its due time (0 when none is due).");
        meter.CreateObservableGauge("rosette.deliveries.backlog", () => Observe(b => (double)b.DeliveriesDue), "{delivery}", "Badge provider deliveries (and revocations) due and not yet done.");
        meter.CreateObservableGauge("rosette.deliveries.failed", () => Observe(b => (double)b.DeliveriesFailed), "{delivery}", "Badge provider deliveries that failed and wait for an administrator.");
        meter.CreateObservableGauge("rosette.mail.failed", () => Observe(b => (double)b.MailFailed), "{mail}", "Award mails given up (shown to administrators on the dashboard).");
    }

    /// <summary>Whether any listener (an exporter, a test) takes the backlog gauges, so that measuring them is worth a query.</summary>
    public bool BacklogObserved => _eventLag.Enabled;

    public void Issued(AwardSource source, int awards)
    {
        if (awards > 0)
        {
            _awardsIssued.Add(awards, new KeyValuePair<string, object?>("source", SourceTag(source)));
        }
    }

    public void Revoked() => _awardsRevoked.Add(1);

    public void Batch(AwardSource source, int pairs, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("source", SourceTag(source));
        _batchPairs.Record(pairs, tag);
        _batchDuration.Record(duration.TotalSeconds, tag);
    }

    public void EventsProcessed(int events)
    {
        if (events > 0)
        {
            _eventsProcessed.Add(events);
        }
    }

    public void OutboxFailed(string topic, bool final) =>
        _outboxFailures.Add(1, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("final", final));

    public void DeliveryAttempt(string state) => _deliveryOutcomes.Add(1, new KeyValuePair<string, object?>("state", state));

    public void MailSent(NotificationKind kind) => _mailSent.Add(1, new KeyValuePair<string, object?>("kind", KindTag(kind)));

    public void MailFailed(NotificationKind kind, bool permanent) =>
        _mailFailures.Add(1, new KeyValuePair<string, object?>("kind", KindTag(kind)), new KeyValuePair<string, object?>("permanent", permanent));

    /// <summary>Stores the latest measurement for the gauges.</summary>
    public void Record(Backlog backlog) => _backlog = backlog;

    private IEnumerable<Measurement<double>> Observe(Func<Backlog, double> value) =>
        _backlog is { } backlog ? [new Measurement<double>(value(backlog))] : [];

    private static string SourceTag(AwardSource source) => source switch
    {
        AwardSource.Roster => "roster",
        AwardSource.CourseAssignment => "course_assignment",
        AwardSource.Achievement => "achievement",
        _ => "import",
    };

    private static string KindTag(NotificationKind kind) => kind == NotificationKind.Issued ? "issued" : "revoked";
}
