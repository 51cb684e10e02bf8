namespace Rosette.Features.Shared;

/// <summary>
/// Links for a paged list whose position travels in the query string as the API's does
/// (<c>?page=&amp;pageSize=&amp;search=</c>), so every page of a list can be bookmarked and reached without script.
/// </summary>
public sealed record Pager(
    string Path, int Page, int PageSize, int Total, string? Search, int DefaultPageSize, IReadOnlyList<KeyValuePair<string, string?>>? Filters = null)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public int FirstItem => Total == 0 ? 0 : Math.Min(Total, (Page - 1) * PageSize + 1);

    public int LastItem => Math.Min(Total, Page * PageSize);

    public bool HasPrevious => Page > 1;

    public bool HasNext => Page < PageCount;

    public string UrlFor(int page)
    {
        var query = new List<KeyValuePair<string, string?>>();
        if (page != 1)
        {
            query.Add(new("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (PageSize != DefaultPageSize)
        {
            query.Add(new("pageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (!string.IsNullOrWhiteSpace(Search))
        {
            query.Add(new("search", Search));
        }
        return Url(Path, Filters, query);
    }

    /// <summary>The path with the non-empty filters, then the position.</summary>
    public static string Url(string path, IEnumerable<KeyValuePair<string, string?>>? filters, IEnumerable<KeyValuePair<string, string?>> position) =>
        path + QueryString.Create((filters ?? []).Where(f => !string.IsNullOrEmpty(f.Value)).Concat(position));
}

/// <summary>
/// First and Next links for a list paged by cursor (decision 0018): the next page starts after the last row shown
/// (<c>?after=</c>, the list's <c>next</c>), keeping the filters; there is no page count, since the total may be capped.
/// </summary>
public sealed record CursorPager(string Path, bool IsFirst, string? Next, IReadOnlyList<KeyValuePair<string, string?>>? Filters = null)
{
    public bool HasNext => Next is not null;

    public string FirstUrl => Pager.Url(Path, Filters, []);

    public string NextUrl => Pager.Url(Path, Filters, [new("after", Next)]);

    /// <summary>"1,234", or "10,000+" when the list stopped counting.</summary>
    public static string Total(int total, bool capped) => capped ? $"{total:N0}+" : $"{total:N0}";
}
