using Npgsql;

namespace Rosette.Data;

/// <summary>
/// The one retry of work that PostgreSQL broke off to settle a race between transactions (a deadlock victim, a
/// serialization failure): the work runs again from the start, with nothing tracked from the failed attempt.
/// </summary>
public static class TransientRetry
{
    public static async Task<T> RetryTransientAsync<T>(this RosetteDb db, int maxAttempts, Func<Task<T>> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception e) when (attempt < maxAttempts && IsTransient(e))
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    public static Task RetryTransientAsync(this RosetteDb db, int maxAttempts, Func<Task> work) =>
        db.RetryTransientAsync(maxAttempts, async () =>
        {
            await work();
            return true;
        });

    public static bool IsTransient(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
}
