namespace Rosette.Domain.Users;

/// <summary>How a person's name reads. Queries call <see cref="Full"/> too: the database computes it (see Data/QueryFunctions).</summary>
public static class PersonName
{
    public static string Full(string firstName, string lastName) => $"{firstName} {lastName}";
}
