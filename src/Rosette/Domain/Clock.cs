namespace Rosette.Domain;

public static class Clock
{
    /// <summary>
    /// UTC now, cut to whole seconds: for times that credentials carry or that are compared with such times. Not every stored
    /// time is cut: those taken from GetUtcNow() directly (the dispatchers', the issuer's, the achievement worker's) keep their fraction.
    /// </summary>
    public static DateTime UtcNowSeconds(this TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    /// <summary>
    /// The exclusive end of "through <paramref name="day"/>" (a date picker's day, in UTC): midnight after it. The last day a
    /// date can name ends at <see cref="DateTime.MaxValue"/>, since no midnight follows it.
    /// </summary>
    public static DateTime EndOf(DateOnly day) =>
        day == DateOnly.MaxValue ? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc) : day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
