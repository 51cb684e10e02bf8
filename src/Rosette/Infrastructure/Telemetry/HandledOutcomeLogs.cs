namespace Rosette.Infrastructure.Telemetry;

/// <summary>
/// The app's logger factory, except that what a framework logs as an error about an outcome Rosette handles is not
/// logged as one, so that an operator's Error lines are failures: the host's "Hosting failed to start" for a start-up
/// cancelled because a shutdown was requested is not written (the stop is not a failure, and
/// <see cref="Hosting.DatabaseStartup"/> says it in one line). Every other entry passes unchanged.
/// </summary>
public sealed class HandledOutcomeLogs(ILoggerFactory inner) : ILoggerFactory
{
    private const string Host = "Microsoft.Extensions.Hosting.Internal.Host";

    public ILogger CreateLogger(string categoryName) =>
        categoryName == Host ? new Logger(inner.CreateLogger(categoryName), StartupStopped) : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private static LogLevel? StartupStopped(Exception exception) =>
        exception is OperationCanceledException { CancellationToken.IsCancellationRequested: true } ? LogLevel.None : null;

    /// <summary>Writes an Error or Critical entry whose exception <paramref name="handled"/> knows at the level it says.</summary>
    private sealed class Logger(ILogger inner, Func<Exception, LogLevel?> handled) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && exception is not null && handled(exception) is { } level)
            {
                logLevel = level;
            }
            if (logLevel != LogLevel.None)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
