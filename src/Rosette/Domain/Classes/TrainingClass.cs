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

    public static Result<TrainingClass> Create(string? name, Guid organizationId, Guid? courseId, DateTime? startsAt, DateTime? endsAt, DateTime now)
    {
        var trainingClass = new TrainingClass
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            CourseId = courseId,
            CreatedAt = now,
        };
        var error = trainingClass.Update(name, startsAt, endsAt, clearDates: false);
        return error is null ? trainingClass : error;
    }

    public Error? Update(string? name, DateTime? startsAt, DateTime? endsAt, bool clearDates)
    {
        Result<string> validName = name is null && Name.Length > 0 ? Name : Text.Required("name", name);
        if (!validName.IsSuccess)
        {
            return validName.Error;
        }
        var newStart = clearDates ? startsAt : startsAt ?? StartsAt;
        var newEnd = clearDates ? endsAt : endsAt ?? EndsAt;
        if (newStart is not null && newEnd is not null && newEnd < newStart)
        {
            return InvalidError.Field("endsAt", InvalidError.ValidationFailed, "'endsAt' cannot be before 'startsAt'.");
        }
        Name = validName.Value;
        StartsAt = newStart is null ? null : DateTime.SpecifyKind(newStart.Value.ToUniversalTime(), DateTimeKind.Utc);
        EndsAt = newEnd is null ? null : DateTime.SpecifyKind(newEnd.Value.ToUniversalTime(), DateTimeKind.Utc);
        return null;
    }
}
