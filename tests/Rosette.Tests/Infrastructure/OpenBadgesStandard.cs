using System.Text.Json.Nodes;
using Json.Schema;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// The official Open Badges files, read from the copies in Standards/ (no network): the OB 3.0 JSON schema, and the
/// JSON-LD contexts a credential names, by their URLs.
/// </summary>
public static class OpenBadgesStandard
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Standards", "openbadges");

    /// <summary>Context URL -> the local copy of the document published there.</summary>
    public static readonly IReadOnlyDictionary<string, string> Contexts = new Dictionary<string, string>
    {
        ["https://www.w3.org/ns/credentials/v2"] = "ob_v3p0/credentials-v2.jsonld",
        ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"] = "ob_v3p0/context-3.0.3.json",
        ["https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"] = "ob_v3p0/ob-v3p0-extensions.json",
        ["https://w3id.org/openbadges/v2"] = "ob_v2p0/context-v2.json",
    };

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromFile(Path.Combine(Folder, "ob_v3p0", "ob_v3p0_achievementcredential_schema.json")));

    /// <summary>The schema's error messages for <paramref name="credential"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> SchemaErrors(string credential)
    {
        var results = Schema.Value.Evaluate(JsonNode.Parse(credential), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }
        var errors = (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}")).ToList();
        return errors.Count > 0 ? errors : ["invalid"];
    }

    /// <summary>Every term the given contexts define, at any depth (type-scoped contexts included).</summary>
    public static HashSet<string> TermsOf(IEnumerable<string> contextUrls)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var url in contextUrls)
        {
            Assert.True(Contexts.TryGetValue(url, out var file), $"The context {url} has no local copy, so it cannot be resolved offline.");
            Collect(JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file!)))!["@context"], terms);
        }
        return terms;
    }

    private static void Collect(JsonNode? context, HashSet<string> terms)
    {
        if (context is not JsonObject definitions)
        {
            return;
        }
        foreach (var (term, definition) in definitions)
        {
            if (!term.StartsWith('@'))
            {
                terms.Add(term);
            }
            if (definition is JsonObject nested)
            {
                Collect(nested["@context"], terms);
            }
        }
    }
}
