namespace Rosette.Domain.Credentials;

public static class CredentialErrors
{
    /// <summary>Unknown and malformed ids alike: a public URL says nothing more.</summary>
    public static NotFoundError NotFound(string id) => new("credential_not_found", $"There is no credential '{id}'.");

    public static readonly NotFoundError KeyNotFound = new("key_not_found", "There is no such key.");

    public static readonly NotFoundError IssuerNotFound = new("issuer_not_found", "There is no such issuer.");

    public static readonly NotFoundError AchievementNotFound = new("achievement_not_found", "There is no such badge.");

    public static readonly NotFoundError NotCanonical = new("not_found", "Nothing is published at this address: public addresses are spelled in lower case, without a trailing slash.");

    public static readonly NotFoundError StatusListNotFound = new("status_list_not_found", "There is no such status list.");

    public static readonly NotFoundError ImageNotFound = new("image_not_found", "This credential has no image in that format.");
}
