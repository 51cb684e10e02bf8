using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Rosette.Data;

/// <summary>
/// Logs a failed command (with its SQL) and a failed save at Error, unless a unique index refused the write or EF Core
/// itself expects and handles the failure (<see cref="IsMissingMigrationsHistory"/>). The database
/// guards earn-once, idempotency keys, enrolments, course assignments and the like, and the code that wrote answers the
/// refusal (a 409, a replay, a skipped row), so an operator's Error lines would otherwise fill with everyday outcomes.
/// EF Core's own entry for a failed command carries no exception to tell the two apart, so
/// <see cref="DatabaseRegistration"/> writes EF Core's two entries at Debug and this interceptor writes the Errors in their
/// place, under the same categories and events. A unique refusal that nobody handles is still logged as an Error where it
/// surfaces: by the request's exception handler or the failing worker.
/// </summary>
public sealed class CommandFailures(ILoggerFactory loggers) : DbCommandInterceptor, ISaveChangesInterceptor
{
    /// <summary>EF Core's entries that this interceptor writes instead.</summary>
    public static readonly EventId[] Replaced = [RelationalEventId.CommandError, CoreEventId.SaveChangesFailed];

    private readonly ILogger commands = loggers.CreateLogger(DbLoggerCategory.Database.Command.Name);

    private readonly ILogger saves = loggers.CreateLogger(DbLoggerCategory.Update.Name);

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Log(command, eventData);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Log(command, eventData);
        return Task.CompletedTask;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Log(eventData);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Log(eventData);
        return Task.CompletedTask;
    }

    private void Log(DbCommand command, CommandErrorEventData eventData)
    {
        if (!DbErrors.IsUniqueViolation(eventData.Exception) && !IsMissingMigrationsHistory(command, eventData.Exception))
        {
            // As EF Core's entry, without the stack trace: whoever does not handle the failure logs it with its own.
            commands.LogError(RelationalEventId.CommandError, "Failed executing DbCommand ({Elapsed}ms): {Error}{NewLine}{CommandText}",
                (long)eventData.Duration.TotalMilliseconds, eventData.Exception.Message, Environment.NewLine, command.CommandText);
        }
    }

    /// <summary>
    /// On PostgreSQL EF Core reads the applied migrations without first asking whether their table exists, and creates the
    /// table when the read fails with 42P01 (undefined table; npgsql/efcore.pg issue 3407): on an empty database, at the
    /// first start or the first <c>migrate</c>, that failure is the expected answer, not an Error for the operator.
    /// </summary>
    private static bool IsMissingMigrationsHistory(DbCommand command, Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable }
        && command.CommandText.Contains($"FROM \"{DatabaseRegistration.MigrationsHistoryTable}\"", StringComparison.Ordinal);

    private void Log(DbContextErrorEventData eventData)
    {
        if (!DbErrors.IsUniqueViolation(eventData.Exception is DbUpdateException update ? update.InnerException : eventData.Exception))
        {
            saves.LogError(CoreEventId.SaveChangesFailed, eventData.Exception, "An exception occurred in the database while saving changes for context type '{ContextType}'.",
                eventData.Context?.GetType().FullName);
        }
    }
}
