namespace Rosette.Domain.Issuance;

/// <summary>
/// The dashboard's counted figures for one administrator scope, as counted at <see cref="CountedAt"/>: the awards per week
/// from <see cref="From"/>, and the ids and counts of the top badges and classes (<see cref="Counts"/>, JSON). Names are not
/// kept: the dashboard reads them, in the viewer's scope, on every view. Every instance reads and writes the same row, so a
/// view served by any of them shows the same count (decision 0026).
/// </summary>
public sealed class DashboardFigures
{
    /// <summary>The scope of every organization (a system administrator's); an organization's path starts with "/".</summary>
    public const string EveryOrganization = "*";

    private DashboardFigures()
    {
    }

    /// <summary><see cref="EveryOrganization"/>, or the path of the organization whose subtree is the scope.</summary>
    public string Scope { get; private set; } = null!;

    /// <summary>The Monday of the first of the counted weeks: a count for another range of weeks is not used.</summary>
    public DateOnly From { get; private set; }

    public DateTime CountedAt { get; private set; }

    public string Counts { get; private set; } = null!;

    public static DashboardFigures Create(string scope, DateOnly from, DateTime countedAt, string counts) =>
        new() { Scope = scope, From = from, CountedAt = countedAt, Counts = counts };
}
