using System.CommandLine;
using Rosette.Bench;

var root = new RootCommand("Rosette benchmarks: each prints one summary line. Run with -c Release.");

var badges = new Option<int>("--badges") { DefaultValueFactory = _ => 10 };
var students = new Option<int>("--students") { DefaultValueFactory = _ => 10_000 };
var database = new Option<string>("--database") { DefaultValueFactory = _ => "sqlite", Description = "sqlite or postgres (ROSETTE_BENCH_POSTGRES)" };
database.AcceptOnlyFromAmong("sqlite", "postgres");

var issueBatch = new Command("issue-batch", "The issuance handler on a badges x students batch, against a raw single-row INSERT baseline (and a binary COPY on PostgreSQL).") { badges, students, database };
issueBatch.SetAction((parse, _) => IssueBatchBench.RunAsync(parse.GetValue(badges), parse.GetValue(students), parse.GetValue(database)!));
root.Subcommands.Add(issueBatch);

var keyRounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 5 };
var sqliteKeys = new Command("sqlite-keys", "The batch's raw award INSERT on SQLite with text keys (as stored today) and with 16-byte blob keys, in turns.") { keyRounds, badges, students };
sqliteKeys.SetAction((parse, _) => IssueBatchBench.SqliteKeysAsync(parse.GetValue(keyRounds), parse.GetValue(badges), parse.GetValue(students)));
root.Subcommands.Add(sqliteKeys);

var events = new Option<int>("--events") { DefaultValueFactory = _ => 100_000 };
var users = new Option<int>("--users") { DefaultValueFactory = _ => 10_000 };
var throughput = new Command("achievements-throughput", "Activity events through the API and the achievement worker until all are evaluated, against a raw single-row INSERT baseline.") { events, users, database };
throughput.SetAction((parse, _) => AchievementsBench.ThroughputAsync(parse.GetValue(events), parse.GetValue(users), parse.GetValue(database)!));
root.Subcommands.Add(throughput);

var rate = new Option<int>("--rate") { DefaultValueFactory = _ => 1000, Description = "Events per second, sent in 100 requests a second." };
var seconds = new Option<int>("--seconds") { DefaultValueFactory = _ => 30 };
var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 20, Description = "Seconds at the same rate before the measured ones." };
var trafficFrom = new Option<string>("--traffic-from")
{
    DefaultValueFactory = _ => "ready",
    Description = "ready: events start when /health/ready answers 200, as a load balancer routes; start: as soon as the app has started (and the bench's data is in).",
};
trafficFrom.AcceptOnlyFromAmong("ready", "start");
var latency = new Command("achievements-latency", "Latency from an accepted event to its issued badge under a steady rate of events.") { rate, seconds, warmup, trafficFrom, database };
latency.SetAction((parse, _) => AchievementsBench.LatencyAsync(parse.GetValue(rate), parse.GetValue(seconds), parse.GetValue(warmup), parse.GetValue(trafficFrom) == "ready", parse.GetValue(database)!));
root.Subcommands.Add(latency);

var requests = new Option<int>("--requests") { DefaultValueFactory = _ => 10 };
var pairs = new Option<int>("--students") { DefaultValueFactory = _ => 5000 };
var issueHttp = new Command("issue-http", "A 1 badge x N students batch over HTTP (median of --requests), against the same handler in-process.") { pairs, requests, database };
issueHttp.SetAction((parse, _) => PagesBench.IssueHttpAsync(parse.GetValue(pairs), parse.GetValue(requests), parse.GetValue(database)!));
root.Subcommands.Add(issueHttp);

var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 30 };
var rosterPage = new Command("roster-page", "The roster page and the Choose Student(s) search of a large class, against /health.") { students, runs, database };
rosterPage.SetAction((parse, _) => PagesBench.RosterAsync(parse.GetValue(students), parse.GetValue(runs), parse.GetValue(database)!));
root.Subcommands.Add(rosterPage);

var rosterBadgeCount = new Option<int>("--badges") { DefaultValueFactory = _ => 2_000 };
var rosterBadges = new Command("roster-badges", "The roster and Issue Badges pages of a class whose organization has --badges badges to choose from: median time and HTML size.") { rosterBadgeCount, runs, database };
rosterBadges.SetAction((parse, _) => PagesBench.RosterBadgesAsync(parse.GetValue(rosterBadgeCount), parse.GetValue(runs), parse.GetValue(database)!));
root.Subcommands.Add(rosterBadges);

var awardCount = new Option<int>("--awards") { DefaultValueFactory = _ => 10_000 };
var providerLatency = new Option<int>("--provider-latency-ms") { DefaultValueFactory = _ => 50 };
var deliveries = new Command("deliveries", "A batch of awards delivered to a stand-in Credly answering in 50 ms, against direct requests to it.") { awardCount, providerLatency, database };
deliveries.SetAction((parse, _) => DeliveriesBench.RunAsync(parse.GetValue(awardCount), parse.GetValue(providerLatency), parse.GetValue(database)!));
root.Subcommands.Add(deliveries);

var receiverLatency = new Option<int>("--receiver-latency-ms") { DefaultValueFactory = _ => 50 };
var webhooks = new Command("webhooks", "A badges x students batch until a receiver answering in 50 ms has acknowledged every award.issued and the batch.completed webhook, against the same signed requests sent straight to it.") { badges, students, receiverLatency, database };
webhooks.SetAction((parse, _) => WebhooksBench.RunAsync(parse.GetValue(badges), parse.GetValue(students), parse.GetValue(receiverLatency), parse.GetValue(database)!));
root.Subcommands.Add(webhooks);

var rows = new Option<int>("--rows") { DefaultValueFactory = _ => 10_000 };
var importRoster = new Command("import-roster", "The roster import handler: preview, then import, of a CSV file of --rows rows.") { rows, database };
importRoster.SetAction((parse, _) => RosterImportBench.RunAsync(parse.GetValue(rows), parse.GetValue(database)!));
root.Subcommands.Add(importRoster);

var scaleAwards = new Option<int>("--awards") { DefaultValueFactory = _ => 1_000_000, Description = "Awards in the large database (the reported figures: 5,000,000)." };
var scaleRuns = new Option<int>("--runs") { DefaultValueFactory = _ => 10 };
var keep = new Option<bool>("--keep") { Description = "Keep the large database afterwards (for EXPLAIN); its address is printed." };
var scale = new Command("scale", "Pages, lists and a 100,000-pair batch on a database of --awards awards, against the same on a small one (200,000): each as a ratio, the bar 1.5.") { scaleAwards, scaleRuns, keep, database };
scale.SetAction((parse, _) => ScaleBench.RunAsync(parse.GetValue(scaleAwards), parse.GetValue(scaleRuns), parse.GetValue(keep), parse.GetValue(database)!));
root.Subcommands.Add(scale);

return await root.Parse(args).InvokeAsync();
