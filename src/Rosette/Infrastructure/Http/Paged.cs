namespace Rosette.Infrastructure.Http;

/// <summary>
/// One page of a list: every list endpoint and page answers in this shape. <c>Next</c> is the cursor of the following page
/// (pass it as <c>after</c>) on the lists with keyset paging (<see cref="KeysetPaging"/>), null on their last page and on
/// every other list; <c>TotalCapped</c> says that <c>Total</c> stopped counting at <see cref="KeysetPaging.TotalCap"/>.
/// </summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total, bool TotalCapped = false, string? Next = null);
