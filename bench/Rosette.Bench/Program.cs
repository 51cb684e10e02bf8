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

var rows = new Option<int>("--rows") { DefaultValueFactory = _ => 10_000 };
var importRoster = new Command("import-roster", "The roster import handler: preview, then import, of a CSV file of --rows rows.") { rows, database };
importRoster.SetAction((parse, _) => RosterImportBench.RunAsync(parse.GetValue(rows), parse.GetValue(database)!));
root.Subcommands.Add(importRoster);

return await root.Parse(args).InvokeAsync();
