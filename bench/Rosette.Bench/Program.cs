using System.CommandLine;
using Rosette.Bench;

var root = new RootCommand("Rosette benchmarks: each prints one summary line. Run with -c Release.");

var badges = new Option<int>("--badges") { DefaultValueFactory = _ => 10 };
var students = new Option<int>("--students") { DefaultValueFactory = _ => 10_000 };
var database = new Option<string>("--database") { DefaultValueFactory = _ => "sqlite", Description = "sqlite or postgres (ROSETTE_BENCH_POSTGRES)" };
database.AcceptOnlyFromAmong("sqlite", "postgres");

var issueBatch = new Command("issue-batch", "The issuance handler on a badges x students batch, against a raw single-row INSERT baseline.") { badges, students, database };
issueBatch.SetAction((parse, _) => IssueBatchBench.RunAsync(parse.GetValue(badges), parse.GetValue(students), parse.GetValue(database)!));
root.Subcommands.Add(issueBatch);

var events = new Option<int>("--events") { DefaultValueFactory = _ => 100_000 };
var users = new Option<int>("--users") { DefaultValueFactory = _ => 10_000 };
var throughput = new Command("achievements-throughput", "Activity events through the API and the achievement worker until all are evaluated, against a raw single-row INSERT baseline.") { events, users, database };
throughput.SetAction((parse, _) => AchievementsBench.ThroughputAsync(parse.GetValue(events), parse.GetValue(users), parse.GetValue(database)!));
root.Subcommands.Add(throughput);

var rate = new Option<int>("--rate") { DefaultValueFactory = _ => 1000, Description = "Events per second, sent in 100 requests a second." };
var seconds = new Option<int>("--seconds") { DefaultValueFactory = _ => 30 };
var latency = new Command("achievements-latency", "Latency from an accepted event to its issued badge under a steady rate of events.") { rate, seconds, database };
latency.SetAction((parse, _) => AchievementsBench.LatencyAsync(parse.GetValue(rate), parse.GetValue(seconds), parse.GetValue(database)!));
root.Subcommands.Add(latency);

return await root.Parse(args).InvokeAsync();
