using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A breakpoint in the app's database work: a command whose SQL matches waits, before it runs, until the test lets it
/// through. A test stops background work at an exact point (between reading a row and saving it, say), makes other work
/// happen meanwhile, then lets it go on: races reproduced in a fixed order, with no sleeps.
/// </summary>
public sealed class CommandGate : DbCommandInterceptor
{
    private readonly List<Hold> _holds = [];

    /// <summary>Adds the gate to the app's database context (<c>ConfigureServices</c> of a test host).</summary>
    public void AddTo(IServiceCollection services)
    {
        services.ConfigureDbContext<SqliteRosetteDb>(o => o.AddInterceptors(this));
        services.ConfigureDbContext<PostgresRosetteDb>(o => o.AddInterceptors(this));
    }

    /// <summary>Holds the next command that matches.</summary>
    public Hold HoldNext(Func<string, bool> sql) => Add(new Hold(sql, every: false));

    /// <summary>Holds every command that matches, until released.</summary>
    public Hold HoldEvery(Func<string, bool> sql) => Add(new Hold(sql, every: true));

    /// <summary>Lets every held command through, and every later one.</summary>
    public void ReleaseAll()
    {
        lock (_holds)
        {
            _holds.ForEach(h => h.Release());
            _holds.Clear();
        }
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await PassAsync(command, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await PassAsync(command, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await PassAsync(command, cancellationToken);
        return result;
    }

    private Hold Add(Hold hold)
    {
        lock (_holds)
        {
            _holds.Add(hold);
        }
        return hold;
    }

    private async Task PassAsync(DbCommand command, CancellationToken cancellationToken)
    {
        Hold? hold;
        lock (_holds)
        {
            hold = _holds.FirstOrDefault(h => h.Matches(command.CommandText));
            if (hold is { Every: false })
            {
                _holds.Remove(hold);
            }
        }
        if (hold is not null)
        {
            await hold.WaitAsync(cancellationToken);
        }
    }

    public sealed class Hold(Func<string, bool> matches, bool every)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _arrived;

        internal bool Every => every;

        /// <summary>Completes when a matching command is waiting here.</summary>
        public Task Reached => ArrivalsAsync(1);

        /// <summary>Completes when <paramref name="count"/> matching commands have come here (released or not).</summary>
        public Task ArrivalsAsync(int count)
        {
            lock (_waiters)
            {
                if (_arrived >= count)
                {
                    return Task.CompletedTask;
                }
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, reached));
                return reached.Task;
            }
        }

        public void Release() => _released.TrySetResult();

        internal bool Matches(string sql) => !_released.Task.IsCompleted && matches(sql);

        internal Task WaitAsync(CancellationToken cancellationToken)
        {
            lock (_waiters)
            {
                _arrived++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _arrived).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
            return _released.Task.WaitAsync(cancellationToken);
        }
    }
}
