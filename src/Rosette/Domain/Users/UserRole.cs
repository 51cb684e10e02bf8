namespace Rosette.Domain.Users;

public enum UserRole
{
    Student,
    Instructor,
    Administrator,
}
