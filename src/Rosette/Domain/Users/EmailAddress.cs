using System.Net.Mail;

namespace Rosette.Domain.Users;

public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>A bare address (no display name), trimmed; its normalized form is upper-case, as Identity's is.</summary>
    public static Result<string> Parse(string field, string? value)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return InvalidError.Field(field, InvalidError.ValidationFailed, $"'{field}' is required.");
        }
        if (trimmed.Length > MaxLength
            || !MailAddress.TryCreate(trimmed, out var address)
            || address.Address != trimmed
            || trimmed.Any(char.IsWhiteSpace))
        {
            return InvalidError.Field(field, InvalidError.ValidationFailed, $"'{trimmed}' is not a valid email address.");
        }
        return trimmed;
    }

    public static string Normalize(string email) => email.ToUpperInvariant();
}
