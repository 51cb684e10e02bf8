namespace Rosette.Features.Credentials;

/// <summary>Settings of the credentials (section Rosette:Credentials).</summary>
public sealed class CredentialSettings
{
    public const string Section = "Rosette:Credentials";

    /// <summary>The issuers' contact address (OB 2.0 requires one); default badges@ the public host.</summary>
    public string? ContactEmail { get; set; }

    public string IssuerEmail(CredentialUrls urls) => ContactEmail ?? $"badges@{new Uri(urls.Base).Host}";
}
