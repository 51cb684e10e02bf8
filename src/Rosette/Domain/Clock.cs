namespace Rosette.Domain;

public static class Clock
{
    /// <summary>UTC now, cut to whole seconds: every stored time in Rosette is whole seconds, as credentials need.</summary>
    public static DateTime UtcNowSeconds(this TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
