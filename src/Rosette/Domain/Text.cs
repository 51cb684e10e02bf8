namespace Rosette.Domain;

/// <summary>Validation of the free text every entity stores: names, descriptions, narratives.</summary>
public static class Text
{
    public const int NameMaxLength = 200;

    /// <summary>
    /// Trims, then requires a value of at most <paramref name="maxLength"/> characters without control characters.
    /// Markup and any Unicode are kept as they are: output encoding is the page's job, not storage's.
    /// </summary>
    public static Result<string> Required(string field, string? value, int maxLength = NameMaxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return InvalidError.Field(field, InvalidError.ValidationFailed, $"'{field}' is required.");
        }
        return Checked(field, trimmed, maxLength);
    }

    /// <summary>Like <see cref="Required"/>, but an empty value becomes null.</summary>
    public static Result<string?> Optional(string field, string? value, int maxLength, bool multiline = true)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return (string?)null;
        }
        var checkedValue = Checked(field, trimmed, maxLength, multiline);
        return checkedValue.IsSuccess ? checkedValue.Value : checkedValue.Error;
    }

    private static Result<string> Checked(string field, string value, int maxLength, bool multiline = false)
    {
        if (value.Length > maxLength)
        {
            return InvalidError.Field(field, InvalidError.ValidationFailed, $"'{field}' must be at most {maxLength} characters.");
        }
        foreach (var c in value)
        {
            var allowedWhitespace = multiline && c is '\n' or '\r' or '\t';
            if (char.IsControl(c) && !allowedWhitespace)
            {
                return InvalidError.Field(field, InvalidError.ValidationFailed, $"'{field}' must not contain control characters.");
            }
        }
        return value;
    }

    /// <summary>Lower-cased text that search matches against, kept beside the columns it is made of.</summary>
    public static string SearchKey(params string?[] parts) =>
        string.Join(' ', parts.Where(p => !string.IsNullOrEmpty(p))).ToLowerInvariant();

    /// <summary>
    /// What is kept of text from outside (a remote service's answer): control characters and runs of whitespace become one
    /// space, and at most <paramref name="maxLength"/> characters remain, cut with an ellipsis.
    /// </summary>
    public static string? Excerpt(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }
        var builder = new System.Text.StringBuilder(Math.Min(value.Length, maxLength + 1));
        foreach (var c in value)
        {
            var blank = char.IsWhiteSpace(c) || char.IsControl(c);
            if (blank && (builder.Length == 0 || builder[^1] == ' '))
            {
                continue;
            }
            builder.Append(blank ? ' ' : c);
            if (builder.Length > maxLength)
            {
                return builder.ToString(0, maxLength - 1).TrimEnd() + "…";
            }
        }
        return builder.ToString().TrimEnd();
    }
}
