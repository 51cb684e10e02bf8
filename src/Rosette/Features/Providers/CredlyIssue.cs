using System.Globalization;
using System.Text.Json.Serialization;

namespace Rosette.Features.Providers;

/// <summary>
/// What Credly needs to issue a badge to one earner (Credly's "Issue a Badge": POST /organizations/{id}/badges). Optional
/// fields are left out when Rosette has nothing for them, except <c>expires_at</c>, which is always sent: Credly reads
/// null (or its absence) as "the template's default expiration" and <c>false</c> as "no expiration".
/// </summary>
public sealed record CredlyIssue(
    [property: JsonPropertyName("recipient_email")] string RecipientEmail,
    [property: JsonPropertyName("issued_to_first_name")] string IssuedToFirstName,
    [property: JsonPropertyName("issued_to_last_name")] string IssuedToLastName,
    [property: JsonPropertyName("badge_template_id")] string BadgeTemplateId,
    [property: JsonPropertyName("issued_at")] string IssuedAt,
    [property: JsonPropertyName("issuer_earner_id")] string IssuerEarnerId,
    [property: JsonPropertyName("expires_at")] object ExpiresAt,
    [property: JsonPropertyName("suppress_badge_notification_email")] bool SuppressBadgeNotificationEmail,
    [property: JsonPropertyName("locale"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Locale,
    [property: JsonPropertyName("evidence"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CredlyEvidence>? Evidence)
{
    /// <summary>
    /// <c>replace</c> on a renewal: Credly replaces the earner's badge of this template with this one (new expiry, evidence)
    /// instead of refusing it as a duplicate (Credly's issuer help, "Bulk Replacement": the API's <c>duplicate_behavior</c>).
    /// Sent again it changes nothing more, so a renewal can be retried after an unclear answer without a lookup.
    /// </summary>
    [JsonPropertyName("duplicate_behavior"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DuplicateBehavior { get; init; }

    /// <summary>The locales Credly mails in (its documentation lists them; "en" when none is sent).</summary>
    public static readonly IReadOnlyList<string> Locales = ["en", "fr", "de", "ko", "ja", "zh-CN", "pt", "es-ES", "es-US", "fr-CA", "pt-BR"];

    /// <summary>Credly's evidence text is short (its issuing form allows 350 characters); the whole narrative stays in the credential.</summary>
    public const int EvidenceMaxLength = 350;

    /// <summary>Credly's time format: "2014-04-01 09:41:00 -0500".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static CredlyIssue For(
        string email, string firstName, string lastName, string templateId, DateTime issuedAt, Guid studentId, DateTime? expiresAt,
        bool rosetteMails, string? organizationLanguage, string? narrative) => new(
        email, firstName, lastName, templateId, Time(issuedAt), studentId.ToString(),
        expiresAt is { } expires ? Time(expires) : false,
        SuppressBadgeNotificationEmail: rosetteMails,
        LocaleFor(organizationLanguage),
        narrative is null ? null : [CredlyEvidence.Text("Note", narrative.Length <= EvidenceMaxLength ? narrative : narrative[..(EvidenceMaxLength - 1)] + "…")]);

    /// <summary>The Credly locale of a BCP 47 language tag: the tag itself when Credly lists it, else its language alone, else none.</summary>
    public static string? LocaleFor(string? language)
    {
        if (language is null)
        {
            return null;
        }
        return Locales.FirstOrDefault(l => string.Equals(l, language, StringComparison.OrdinalIgnoreCase))
            ?? Locales.FirstOrDefault(l => !l.Contains('-', StringComparison.Ordinal) && string.Equals(l, language.Split('-')[0], StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>One item of Credly's <c>evidence</c> array: text evidence is an <c>IdEvidence</c> with a title and a description.</summary>
public sealed record CredlyEvidence(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description)
{
    public static CredlyEvidence Text(string title, string description) => new("IdEvidence", title, description);
}
