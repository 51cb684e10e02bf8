using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Dashboard;

public sealed class DashboardPageModel(DashboardHandler handler) : PageModel
{
    public DashboardDto Dashboard { get; private set; } = null!;

    public AwardsChart Chart { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var dashboard = await handler.LoadAsync(HttpContext.GetActor(), cancellationToken);
        if (!dashboard.IsSuccess)
        {
            return this.ErrorPage(dashboard.Error);
        }
        Dashboard = dashboard.Value;
        Chart = AwardsChart.From(Dashboard.AwardsPerWeek);
        return Page();
    }
}
