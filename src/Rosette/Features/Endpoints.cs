using Rosette.Features.Accounts;
using Rosette.Features.Achievements;
using Rosette.Features.ApiKeys;
using Rosette.Features.Audit;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Courses;
using Rosette.Features.Credentials;
using Rosette.Features.Dashboard;
using Rosette.Features.Expiry;
using Rosette.Features.Health;
using Rosette.Features.Issuance;
using Rosette.Features.Organizations;
using Rosette.Features.Providers;
using Rosette.Features.SingleSignOn;
using Rosette.Features.Users;
using Rosette.Features.Webhooks;
using Rosette.Infrastructure.Auth;

namespace Rosette.Features;

public static class Endpoints
{
    public static IEndpointRouteBuilder MapRosetteEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.SignedIn);
        api.MapAuthApi();
        api.MapApiKeysApi();
        api.MapSignInConnectionsApi();
        api.MapOrganizationsApi();
        api.MapUsersApi();
        api.MapCoursesApi();
        api.MapClassesApi();
        api.MapBadgesApi();
        api.MapIssuanceApi();
        api.MapProvidersApi();
        api.MapWebhooksApi();
        api.MapExpiringAwardsApi();
        api.MapAchievementsApi();
        api.MapAuditLogApi();
        api.MapDashboardApi();
        app.MapHealth();
        app.MapSingleSignOn();
        app.MapBadgeImages();
        app.MapIssuanceDownloads();
        app.MapCredentials();
        return app;
    }
}
