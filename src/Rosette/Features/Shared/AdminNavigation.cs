namespace Rosette.Features.Shared;

/// <summary>The Administration menu the layout shows administrators (the pages themselves check who may use them).</summary>
public static class AdminNavigation
{
    public static readonly IReadOnlyList<(string Href, string Label)> Items =
    [
        ("/admin", "Dashboard"),
        ("/admin/organizations", "Organizations"),
        ("/admin/users", "Users"),
        ("/admin/classes", "Classes"),
        ("/admin/courses", "Courses"),
        ("/admin/badges", "Badges"),
        ("/admin/expiring-awards", "Expiring awards"),
        ("/achievements", "Achievements"),
        ("/providers", "Providers"),
        ("/deliveries", "Deliveries"),
        ("/webhooks", "Webhooks"),
        ("/admin/audit", "Audit log"),
    ];

    public static bool IsCurrent(PathString path, string href) =>
        href == "/admin" ? path == "/admin" || path == "/admin/" : path.StartsWithSegments(href);
}
