namespace Rosette.Domain.Courses;

public sealed class Course
{
    private Course()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid OrganizationId { get; private set; }

    /// <summary>Students of other organizations may earn achievements through this course.</summary>
    public bool EnableAchievementsForOutsideOrganizations { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public static Result<Course> Create(string? name, Guid organizationId, bool enableAchievementsForOutsideOrganizations, DateTime now)
    {
        var validName = Text.Required("name", name);
        if (!validName.IsSuccess)
        {
            return validName.Error;
        }
        return new Course
        {
            Id = Guid.CreateVersion7(),
            Name = validName.Value,
            OrganizationId = organizationId,
            EnableAchievementsForOutsideOrganizations = enableAchievementsForOutsideOrganizations,
            CreatedAt = now,
        };
    }

    public Error? Update(string? name, bool? enableAchievementsForOutsideOrganizations)
    {
        if (name is not null)
        {
            var validName = Text.Required("name", name);
            if (!validName.IsSuccess)
            {
                return validName.Error;
            }
            Name = validName.Value;
        }
        EnableAchievementsForOutsideOrganizations = enableAchievementsForOutsideOrganizations ?? EnableAchievementsForOutsideOrganizations;
        return null;
    }
}

/// <summary>A course assigned to one student; a course is assigned to a student at most once.</summary>
public sealed class CourseAssignment
{
    private CourseAssignment()
    {
    }

    public Guid Id { get; private set; }

    public Guid CourseId { get; private set; }

    public Guid StudentId { get; private set; }

    public DateTime AssignedAt { get; private set; }

    public DateTime? CompletedAt { get; private set; }

    public static CourseAssignment Create(Guid courseId, Guid studentId, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        CourseId = courseId,
        StudentId = studentId,
        AssignedAt = now,
    };

    /// <summary>How far ahead of this server's clock a completion time may be: the sender's clock may run a little fast.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public Error? Complete(DateTime completedAt, DateTime now)
    {
        if (completedAt < AssignedAt)
        {
            return InvalidError.Field("completedAt", InvalidError.ValidationFailed, "'completedAt' cannot be before the assignment.");
        }
        if (completedAt > now + ClockSkew)
        {
            return InvalidError.Field("completedAt", InvalidError.ValidationFailed, "'completedAt' cannot be in the future.");
        }
        CompletedAt = completedAt;
        return null;
    }
}

public static class CourseErrors
{
    public const string NotFoundCode = "course_not_found";

    public static NotFoundError NotFound(Guid courseId) => CommonErrors.NotFound(NotFoundCode, "course", courseId);

    public static readonly ConflictError AlreadyAssigned = new("already_assigned", "This course is already assigned to this student.");

    public static readonly InvalidError NotAStudent = InvalidError.Field("studentId", "not_a_student", "Courses are assigned to students only.");
}
