using System.Globalization;
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

    /// <summary>
    /// The form the spellings of one address share, which the unique index of users and every lookup compare: upper-case,
    /// with an internationalized domain in its ASCII form (IDNA, RFC 5891 section 4), so that <c>bob@bücher.example</c>,
    /// <c>bob@BÜCHER.example</c> and <c>bob@xn--bcher-kva.example</c> are one address (see <see cref="AsciiDomain"/> for
    /// what is not mapped). The address itself is kept as typed.
    /// </summary>
    public static string Normalize(string email)
    {
        var at = email.LastIndexOf('@');
        var domain = at < 0 ? null : AsciiDomain(email[(at + 1)..]);
        return (domain is null ? email : string.Concat(email.AsSpan(0, at + 1), domain)).ToUpperInvariant();
    }

    /// <summary>
    /// A domain name in its ASCII (punycode) form, lower-case; null when it is not a valid internationalized domain name.
    /// Lower-cased first: the app runs in .NET's globalization-invariant mode, where <see cref="IdnMapping"/> maps no case
    /// (<c>BÜCHER</c> would encode apart from <c>bücher</c>) and <see cref="string.Normalize()"/> changes nothing, so a
    /// decomposed or compatibility spelling (<c>bu&#x0308;cher</c>, full-width letters) stays a spelling of its own.
    /// </summary>
    public static string? AsciiDomain(string domain)
    {
        try
        {
            return new IdnMapping().GetAscii(domain.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
