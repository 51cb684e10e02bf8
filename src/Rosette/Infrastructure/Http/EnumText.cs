namespace Rosette.Infrastructure.Http;

/// <summary>Enum values in query strings, written as the JSON writes them (snake_case: <c>revocation_pending</c>).</summary>
public static class EnumText
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static bool TryParse<TEnum>(string? value, out TEnum parsed)
        where TEnum : struct, Enum
    {
        parsed = default;
        return value is { Length: > 0 and <= 64 }
            && Enum.TryParse(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out parsed)
            && Enum.IsDefined(parsed);
    }
}
