namespace Rosette.Domain.Achievements;

/// <summary>
/// What one user has done, as far as achievements care: for each (type, subject) the first time it happened, and the
/// achievements earned so far with their points. Activity only grows, so "has at any time met" is "meets now".
/// </summary>
public sealed class UserActivity
{
    private readonly Dictionary<(ActivityType, string), DateTime> _firstAt = [];
    private readonly List<(DateTime At, int Points)> _earnings = [];

    // Summed as a long: a million points earned a million times does not fit an int.
    private long _points;

    /// <summary>The points of the achievements earned, capped at <see cref="int.MaxValue"/> (never negative).</summary>
    public int Points => (int)Math.Min(_points, int.MaxValue);

    public int FactCount => _firstAt.Count;

    public DateTime? FirstAt(ActivityType type, string subject) => _firstAt.TryGetValue((type, subject), out var at) ? at : null;

    /// <summary>Records a fact; true when it is new or happened earlier than known.</summary>
    public bool Record(ActivityType type, string subject, DateTime at)
    {
        if (_firstAt.TryGetValue((type, subject), out var known) && !ActivityFact.Supersedes(at, known))
        {
            return false;
        }
        _firstAt[(type, subject)] = at;
        return true;
    }

    public void AddPoints(DateTime at, int points)
    {
        _earnings.Add((at, points));
        _points += points;
    }

    /// <summary>When the user's points first reached <paramref name="threshold"/>, or null if they have not.</summary>
    public DateTime? PointsReachedAt(int threshold)
    {
        if (_points < threshold)
        {
            return null;
        }
        var total = 0L;
        foreach (var (at, points) in _earnings.OrderBy(e => e.At))
        {
            total += points;
            if (total >= threshold)
            {
                return at;
            }
        }
        return null;
    }
}
