namespace Rosette.Domain.Organizations;

/// <summary>
/// A training organization; organizations form a tree of any depth. <see cref="Path"/> materialises the
/// tree ("/root/child/this/", ids in "N" format) so that "within the scope of" is a prefix test in memory
/// and a LIKE 'prefix%' in SQL.
/// </summary>
public sealed class Organization
{
    private Organization()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid? ParentId { get; private set; }

    public string Path { get; private set; } = "";

    public bool EnableAchievements { get; private set; }

    /// <summary>The organization's language as a BCP 47 tag ("fr", "pt-BR"), or null for none chosen.</summary>
    public string? Language { get; private set; }

    /// <summary>Whether students of the organization's badges are mailed expiry reminders (each badge may also turn them off).</summary>
    public bool SendExpiryReminders { get; private set; } = true;

    public DateTime CreatedAt { get; private set; }

    public static Result<Organization> Create(Actor actor, string? name, Organization? parent, DateTime now)
    {
        if (parent is null && !actor.IsSystemAdministrator)
        {
            return OrganizationErrors.RootRequiresSystemAdministrator;
        }
        if (parent is not null && !actor.Administers(parent.Path))
        {
            return CommonErrors.NotFound("organization", parent.Id);
        }
        var validName = Text.Required("name", name);
        if (!validName.IsSuccess)
        {
            return validName.Error;
        }
        var id = Guid.CreateVersion7();
        return new Organization
        {
            Id = id,
            Name = validName.Value,
            ParentId = parent?.Id,
            Path = $"{parent?.Path ?? "/"}{id:N}/",
            CreatedAt = now,
        };
    }

    public bool IsWithin(Organization ancestor) => Path.StartsWith(ancestor.Path, StringComparison.Ordinal);

    public Error? Rename(string? name)
    {
        var validName = Text.Required("name", name);
        if (!validName.IsSuccess)
        {
            return validName.Error;
        }
        Name = validName.Value;
        return null;
    }

    public void SetEnableAchievements(bool enabled) => EnableAchievements = enabled;

    public void SetSendExpiryReminders(bool send) => SendExpiryReminders = send;

    /// <summary>Sets the language: a BCP 47 tag of letters and digits (language, then optional script, region...), or empty for none.</summary>
    public Error? SetLanguage(string? tag)
    {
        var trimmed = tag?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            Language = null;
            return null;
        }
        var parts = trimmed.Split('-');
        if (trimmed.Length > 35 || parts[0].Length is < 2 or > 3 || !parts[0].All(char.IsAsciiLetter)
            || parts.Skip(1).Any(p => p.Length is < 1 or > 8 || !p.All(char.IsAsciiLetterOrDigit)))
        {
            return OrganizationErrors.InvalidLanguage;
        }
        // The usual case of each subtag: language lower, script title, region upper ("zh-Hant-TW").
        Language = string.Join('-', parts.Select((p, i) => i == 0 ? p.ToLowerInvariant()
            : p.Length == 4 && p.All(char.IsAsciiLetter) ? char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()
            : p.Length == 2 || (p.Length == 3 && p.All(char.IsAsciiDigit)) ? p.ToUpperInvariant()
            : p.ToLowerInvariant()));
        return null;
    }

    /// <summary>
    /// Moves this organization under <paramref name="newParent"/>. Returns the old path: the caller rewrites the
    /// paths of the descendants, which start with it, in one set-based update.
    /// </summary>
    public Result<string> MoveUnder(Actor actor, Organization newParent)
    {
        if (!actor.Administers(Path) || !actor.Administers(newParent.Path))
        {
            return CommonErrors.NotFound("organization", actor.Administers(Path) ? newParent.Id : Id);
        }
        if (ParentId is null || (!actor.IsSystemAdministrator && Path == actor.OrganizationPath))
        {
            return OrganizationErrors.CannotMoveScopeRoot;
        }
        if (newParent.IsWithin(this))
        {
            return OrganizationErrors.CannotMoveUnderItself;
        }
        var oldPath = Path;
        ParentId = newParent.Id;
        Path = $"{newParent.Path}{Id:N}/";
        return oldPath;
    }
}

public static class OrganizationErrors
{
    public static readonly ForbiddenError RootRequiresSystemAdministrator =
        new("root_organization_requires_system_administrator", "Only a system administrator can create a root organization; give a parentId.");

    public static readonly InvalidError CannotMoveUnderItself =
        InvalidError.Field("parentId", "organization_cycle", "An organization cannot be moved under itself or one of its descendants.");

    public static readonly InvalidError InvalidLanguage =
        InvalidError.Field("language", "invalid_language", "'language' must be a BCP 47 language tag such as 'en', 'fr-CA' or 'pt-BR'.");

    public static readonly InvalidError CannotMoveScopeRoot =
        InvalidError.Field("parentId", "cannot_move_scope_root", "The root of your scope cannot be moved.");
}
