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
        var query = new List<KeyValuePair<string, string?>>(Filters?.Where(f => !string.IsNullOrEmpty(f.Value)) ?? []);
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
        return Path + QueryString.Create(query);
    }
}
