namespace Rosette.Domain.Classes;

public sealed class TrainingClass
{
    private TrainingClass()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid OrganizationId { get; private set; }

    public Guid? CourseId { get; private set; }

    public DateTime? StartsAt { get; private set; }

    public DateTime? EndsAt { get; private set; }

    public DateTime CreatedAt { get; private set; }

    /// <summary>The first and last years a class may start or end in: a date outside them is a typing slip, not a class.</summary>
    public const int FirstYear = 2000, LastYear = 2100;

    public static Result<TrainingClass> Create(string? name, Guid organizationId, Guid? courseId, DateTime? startsAt, DateTime? endsAt, DateTime now)
    {
        var trainingClass = new TrainingClass
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            CourseId = courseId,
            CreatedAt = now,
        };
        var error = trainingClass.Update(name, startsAt, endsAt, removeStartsAt: false, removeEndsAt: false);
        return error is null ? trainingClass : error;
    }

    /// <summary>
    /// Changes what is given: a date not given is kept, and <paramref name="removeStartsAt"/> or
    /// <paramref name="removeEndsAt"/> removes one (a class may have no dates). A date given and removed at once is refused.
    /// </summary>
    public Error? Update(string? name, DateTime? startsAt, DateTime? endsAt, bool removeStartsAt, bool removeEndsAt)
    {
        Result<string> validName = name is null && Name.Length > 0 ? Name : Text.Required("name", name);
        if (!validName.IsSuccess)
        {
            return validName.Error;
        }
        if ((removeStartsAt && startsAt is not null) || (removeEndsAt && endsAt is not null))
        {
            return ClassErrors.DateGivenAndRemoved(removeStartsAt && startsAt is not null ? "startsAt" : "endsAt");
        }
        // A date given now is checked against the range; a stored one is kept as it is (a rename does not fail on it).
        var outOfRange = OutOfRange("startsAt", startsAt) ?? OutOfRange("endsAt", endsAt);
        if (outOfRange is not null)
        {
            return outOfRange;
        }
        var newStart = removeStartsAt ? null : Utc(startsAt ?? StartsAt);
        var newEnd = removeEndsAt ? null : Utc(endsAt ?? EndsAt);
        if (newStart is not null && newEnd is not null && newEnd < newStart)
        {
            return ClassErrors.EndsBeforeStart;
        }
        Name = validName.Value;
        StartsAt = newStart;
        EndsAt = newEnd;
        return null;
    }

    private static DateTime? Utc(DateTime? at) => at is null ? null : DateTime.SpecifyKind(at.Value.ToUniversalTime(), DateTimeKind.Utc);

    private static InvalidError? OutOfRange(string field, DateTime? at) =>
        Utc(at) is { Year: < FirstYear or > LastYear } ? ClassErrors.DateOutOfRange(field) : null;
}
