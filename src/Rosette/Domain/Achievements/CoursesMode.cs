
namespace Rosette.Domain.Achievements;

public enum CoursesMode
{
    All,
    Any,
    AtLeast,
}
