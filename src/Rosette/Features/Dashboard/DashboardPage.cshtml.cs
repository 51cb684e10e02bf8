using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Dashboard;

public sealed class DashboardPageModel(DashboardHandler handler, DashboardOptions options) : PageModel
{
    public DashboardDto Dashboard { get; private set; } = null!;

    public AwardsChart Chart { get; private set; } = null!;

    public TimeSpan FiguresMaxAge => options.FiguresMaxAge;

    public string FiguresMaxAgePhrase => options.FiguresMaxAge switch
    {
        { TotalMinutes: 1 } => "a minute",
        { TotalSeconds: var s } when s % 60 == 0 => $"{s / 60:0} minutes",
        { TotalSeconds: var s } => $"{s:0.#} seconds",
    };

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
