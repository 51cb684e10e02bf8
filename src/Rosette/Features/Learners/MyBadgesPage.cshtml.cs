using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Providers;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Auth;

namespace Rosette.Features.Learners;

public sealed record MyBadge(CredentialView Credential, string? ProviderName, DeliveryStatus? Delivery);

/// <summary>A learner's badges: each award with its status, its public credential, downloads, sharing, and whether the badge provider has it.</summary>
public sealed class MyBadgesPageModel(CredentialViewHandler credentials, RosetteDb db) : PageModel
{
    public IReadOnlyList<MyBadge> Badges { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var me = HttpContext.GetActor().UserId;
        var views = await credentials.ListForStudentAsync(me, cancellationToken);
        var awardIds = views.Select(v => v.AwardId).ToList();
        var deliveries = await (from d in db.ProviderDeliveries.AsNoTracking()
                                where awardIds.Contains(d.AwardId)
                                join p in db.BadgeProviders on d.ProviderId equals p.Id
                                select new { d.AwardId, d.Status, p.Name }).ToDictionaryAsync(d => d.AwardId, cancellationToken);
        Badges = views.Select(v => deliveries.TryGetValue(v.AwardId, out var d)
            ? new MyBadge(v, d.Name, d.Status)
            : new MyBadge(v, null, null)).ToList();
    }

    /// <summary>What a learner needs to know of a delivery, in plain words.</summary>
    public static string DeliveryText(string provider, DeliveryStatus status) => status switch
    {
        DeliveryStatus.Delivered => $"{provider} has this badge: look for their email to accept it.",
        DeliveryStatus.Pending => $"Being sent to {provider}.",
        DeliveryStatus.Failed => $"Not yet at {provider}: your administrator has been told.",
        DeliveryStatus.RevocationPending => $"Being withdrawn from {provider}.",
        _ => $"Withdrawn from {provider}.",
    };
}
