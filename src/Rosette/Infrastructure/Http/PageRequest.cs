using Microsoft.EntityFrameworkCore;
using Rosette.Domain;

namespace Rosette.Infrastructure.Http;

/// <summary>Query-string paging (<c>?page=&amp;pageSize=&amp;search=</c>), checked once here.</summary>
public sealed record PageRequest(int? Page, int? PageSize, string? Search)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public int PageNumber => Page ?? 1;

    public int Size => PageSize ?? DefaultPageSize;

    /// <summary>The search term, lower-cased to match the stored search keys; null when empty.</summary>
    public string? Term => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim().ToLowerInvariant();

    /// <summary>The last page whose rows can be addressed: past it, the offset (page - 1) × size would not fit in a 32-bit integer.</summary>
    public int MaxPage => int.MaxValue / Math.Max(1, Size);

    public Error? Validate() =>
        PageNumber < 1 ? InvalidError.Field("page", InvalidError.ValidationFailed, "'page' must be 1 or more.")
        : PageNumber > MaxPage ? InvalidError.Field("page", InvalidError.ValidationFailed, $"'page' must be at most {MaxPage} with a page size of {Size}.")
        : Size is < 1 or > MaxPageSize ? InvalidError.Field("pageSize", InvalidError.ValidationFailed, $"'pageSize' must be between 1 and {MaxPageSize}.")
        : Search?.Length > 200 ? InvalidError.Field("search", InvalidError.ValidationFailed, "'search' must be at most 200 characters.")
        : null;

    public async Task<Paged<TOut>> ToPageAsync<TIn, TOut>(IQueryable<TIn> ordered, Func<TIn, TOut> map, CancellationToken cancellationToken)
    {
        if (Validate() is { } invalid)
        {
            // Every caller validates first; an unchecked page must not wrap into a negative offset.
            throw new InvalidOperationException($"Unvalidated paging: {invalid.Message}");
        }
        var total = await ordered.CountAsync(cancellationToken);
        var rows = await ordered.Skip((PageNumber - 1) * Size).Take(Size).ToListAsync(cancellationToken);
        return new Paged<TOut>(rows.Select(map).ToList(), PageNumber, Size, total);
    }
}
