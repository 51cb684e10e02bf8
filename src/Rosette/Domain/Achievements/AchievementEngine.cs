namespace Rosette.Domain.Achievements;

/// <summary>An earning the engine decided: the n-th earning of an achievement by a user.</summary>
public sealed record Earning(Guid AchievementId, Guid UserId, int Ordinal, DateTime EarnedAt, int Points, long? EventSeq, Guid? BadgeId);

/// <summary>A stored activity event not yet evaluated, as the engine needs it.</summary>
public sealed record PendingEvent(long Seq, Guid UserId, ActivityType Type, string SubjectId, DateTime OccurredAt);

/// <summary>What a batch of events earns, and the facts it leaves: one per user, type and subject, at the earliest time.</summary>
public sealed record EventsOutcome(List<Earning> Earnings, List<ActivityFact> Facts);

/// <summary>The enabled achievements, indexed by the facts that can change their verdict.</summary>
public sealed class AchievementCatalog
{
    private readonly Dictionary<(ActivityType, string), List<CatalogEntry>> _byFact = [];

    public AchievementCatalog(IEnumerable<CatalogEntry> entries)
    {
        Entries = entries.Where(e => e.Achievement.IsEnabled).OrderBy(e => e.Achievement.Id).ToList();
        foreach (var entry in Entries)
        {
            foreach (var fact in entry.Achievement.Conditions.Facts().Distinct())
            {
                if (!_byFact.TryGetValue(fact, out var list))
                {
                    _byFact[fact] = list = [];
                }
                list.Add(entry);
            }
        }
        UsingPoints = Entries.Where(e => e.Achievement.Conditions.UsesPoints).ToList();
        AnyLimited = Limited(Entries).Count > 0;
    }

    /// <summary>Whether some enabled achievement has a limit shared by all users (<see cref="Limited"/>).</summary>
    public bool AnyLimited { get; }

    public IReadOnlyList<CatalogEntry> Entries { get; }

    public IReadOnlyList<CatalogEntry> UsingPoints { get; }

    public IReadOnlyList<CatalogEntry> TriggeredBy(ActivityType type, string subject) => _byFact.TryGetValue((type, subject), out var list) ? list : [];

    /// <summary>Every (type, subject) some enabled achievement reads.</summary>
    public IEnumerable<(ActivityType Type, string Subject)> Facts => _byFact.Keys;

    /// <summary>The achievements these events may earn: those they trigger, and those reading points when one of these gives points.</summary>
    public List<CatalogEntry> TriggeredBy(IEnumerable<PendingEvent> events)
    {
        var triggered = events.SelectMany(e => TriggeredBy(e.Type, e.SubjectId)).Distinct().ToList();
        if (triggered.Any(e => e.Achievement.Points > 0))
        {
            triggered.AddRange(UsingPoints);
        }
        return triggered;
    }

    /// <summary>Those of the entries whose limit is shared by all users (per day, per achievement): their counters are locked and loaded.</summary>
    public static List<Achievement> Limited(IEnumerable<CatalogEntry> entries) =>
        entries.Select(e => e.Achievement).Where(a => a.FrequencyType != FrequencyType.PerUser).Distinct().ToList();
}

/// <summary>One user as the engine sees them: eligibility facts, activity, and when they earned each achievement.</summary>
public sealed class EarnerState(Earner earner, UserActivity activity)
{
    private readonly Dictionary<Guid, List<DateTime>> _earned = [];

    public Earner Earner { get; } = earner;

    public UserActivity Activity { get; } = activity;

    public IReadOnlyCollection<DateTime> Earned(Guid achievementId) => _earned.TryGetValue(achievementId, out var list) ? list : [];

    /// <summary>Loads a past earning (from the database); adds its points.</summary>
    public void Load(Guid achievementId, DateTime earnedAt, int points)
    {
        Add(achievementId, earnedAt);
        Activity.AddPoints(earnedAt, points);
    }

    internal void Add(Guid achievementId, DateTime earnedAt)
    {
        if (!_earned.TryGetValue(achievementId, out var list))
        {
            _earned[achievementId] = list = [];
        }
        list.Add(earnedAt);
    }
}

/// <summary>Earnings in all, per achievement and per achievement and UTC day: what per_day and per_achievement limits count.</summary>
public sealed class EarningCounters
{
    private readonly Dictionary<Guid, int> _total = [];
    private readonly Dictionary<(Guid, DateTime), int> _daily = [];

    public int Total(Guid achievementId) => _total.GetValueOrDefault(achievementId);

    public int OnDay(Guid achievementId, DateTime at) => _daily.GetValueOrDefault((achievementId, at.Date));

    /// <summary>Loads the number of earnings the database holds in all.</summary>
    public void LoadTotal(Guid achievementId, int count) => _total[achievementId] = Total(achievementId) + count;

    /// <summary>Loads one earning the database holds, for its day's count.</summary>
    public void LoadDay(Guid achievementId, DateTime at) => _daily[(achievementId, at.Date)] = OnDay(achievementId, at) + 1;

    public void Add(Guid achievementId, DateTime at)
    {
        _total[achievementId] = Total(achievementId) + 1;
        _daily[(achievementId, at.Date)] = OnDay(achievementId, at) + 1;
    }
}

/// <summary>
/// Decides earnings, purely, from the catalog, the user's state and the counters, which it updates as it goes:
/// <list type="bullet">
/// <item>An event records its fact and is a trigger for each achievement that reads that fact: each triggered achievement
/// whose conditions hold, for which the user is eligible and which the frequency allows, is earned once, at the event's time.</item>
/// <item>An earning with points is a trigger for the achievements that read points (points_at_least), at the same time.</item>
/// <item>One trigger earns a given achievement at most once, so a cascade always ends.</item>
/// <item>Retroactively (an achievement created, enabled, or given a badge), a user who meets the conditions and never earned
/// it earns it once, at the time they met them.</item>
/// </list>
/// </summary>
public static class AchievementEngine
{
    /// <summary>Evaluates the events in order (each user's state must hold the activity the events may need).</summary>
    public static EventsOutcome OnEvents(AchievementCatalog catalog, IReadOnlyDictionary<Guid, EarnerState> users, EarningCounters counters, IEnumerable<PendingEvent> events)
    {
        var earnings = new List<Earning>();
        var facts = new Dictionary<(Guid, ActivityType, string), ActivityFact>();
        foreach (var e in events)
        {
            OnEvent(catalog, users[e.UserId], counters, e.Type, e.SubjectId, e.OccurredAt, e.Seq, earnings);
            if (facts.TryGetValue((e.UserId, e.Type, e.SubjectId), out var fact))
            {
                fact.Observe(e.OccurredAt);
            }
            else
            {
                facts[(e.UserId, e.Type, e.SubjectId)] = ActivityFact.Create(e.UserId, e.Type, e.SubjectId, e.OccurredAt);
            }
        }
        return new EventsOutcome(earnings, [.. facts.Values]);
    }

    public static void OnEvent(
        AchievementCatalog catalog, EarnerState user, EarningCounters counters, ActivityType type, string subject, DateTime at, long? seq, List<Earning> earnings)
    {
        user.Activity.Record(type, subject, at);
        var earned = new HashSet<Guid>();
        foreach (var entry in catalog.TriggeredBy(type, subject))
        {
            TryEarn(catalog, user, counters, entry, at, seq, earned, earnings);
        }
    }

    /// <summary>
    /// Whether an event of this kind may earn the user anything: some achievement it triggers is one they are eligible for
    /// and may still earn. When none is, the event earns nothing (so cascades nothing) whatever the user's activity.
    /// </summary>
    public static bool MayEarnFrom(AchievementCatalog catalog, EarnerState user, EarningCounters counters, ActivityType type, string subject)
    {
        foreach (var entry in catalog.TriggeredBy(type, subject))
        {
            var achievement = entry.Achievement;
            if (AchievementRules.WhyNotEligible(user.Earner, entry) is null
                && AchievementRules.MayEverEarn(achievement, user.Earned(achievement.Id).Count, counters.Total(achievement.Id)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Retroactive evaluation of one achievement for one user who never earned it.</summary>
    public static void Reevaluate(AchievementCatalog catalog, EarnerState user, EarningCounters counters, CatalogEntry entry, List<Earning> earnings)
    {
        if (user.Earned(entry.Achievement.Id).Count > 0 || AchievementRules.WhyNotEligible(user.Earner, entry) is not null)
        {
            return;
        }
        var progress = ConditionEvaluator.Progress(entry.Achievement.Conditions, user.Activity);
        if (progress.Met)
        {
            TryEarn(catalog, user, counters, entry, progress.MetAt!.Value, null, [], earnings);
        }
    }

    private static void TryEarn(
        AchievementCatalog catalog, EarnerState user, EarningCounters counters, CatalogEntry entry, DateTime at, long? seq, HashSet<Guid> earned, List<Earning> earnings)
    {
        var achievement = entry.Achievement;
        if (earned.Contains(achievement.Id)
            || AchievementRules.WhyNotEligible(user.Earner, entry) is not null
            || !AchievementRules.MayEarn(achievement, user.Earned(achievement.Id), at, counters.Total(achievement.Id), counters.OnDay(achievement.Id, at))
            || !ConditionEvaluator.IsMet(achievement.Conditions, user.Activity))
        {
            return;
        }
        earned.Add(achievement.Id);
        var ordinal = user.Earned(achievement.Id).Count + 1;
        user.Add(achievement.Id, at);
        counters.Add(achievement.Id, at);
        earnings.Add(new Earning(achievement.Id, user.Earner.UserId, ordinal, at, achievement.Points, seq, achievement.BadgeId));
        if (achievement.Points > 0)
        {
            user.Activity.AddPoints(at, achievement.Points);
            foreach (var dependent in catalog.UsingPoints)
            {
                TryEarn(catalog, user, counters, dependent, at, seq, earned, earnings);
            }
        }
    }
}
