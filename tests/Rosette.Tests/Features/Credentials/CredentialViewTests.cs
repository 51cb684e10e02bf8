using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Features.Credentials;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>The read model that the credential page and My badges are built on.</summary>
public sealed class CredentialViewTests(CredentialsFixture app) : IClassFixture<CredentialsFixture>
{
    private async Task<T> WithHandlerAsync<T>(Func<CredentialViewHandler, Task<T>> work)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<CredentialViewHandler>());
    }

    [Fact]
    public async Task Get_ValidAward_HasEverythingThePageShows()
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual, BadgeImageContent.Png, Images.Png);
        var issuedAt = new DateTime(2026, 3, 14, 9, 30, 0, DateTimeKind.Utc);
        var award = await app.AwardAsync(world.Manual, world.StudentA1, issuedAt: issuedAt, expiresAt: issuedAt.AddYears(50), narrative: "Top of the class.");

        var view = await WithHandlerAsync(h => h.GetAsync(award.Id, CancellationToken.None));

        Assert.NotNull(view);
        Assert.Equal((AwardStatus.Valid, issuedAt, "Top of the class."), (view.Status, view.IssuedAt, view.Narrative));
        Assert.Equal(world.StudentA1.FullName, view.RecipientName);
        Assert.Equal((world.Manual.Name, world.Manual.Description, world.Manual.Criteria), (view.Badge.Name, view.Badge.Description, view.Badge.Criteria));
        Assert.StartsWith($"{CredentialsFixture.PublicBaseUrl}/badges/{world.Manual.Id}/image", view.Badge.ImageUrl, StringComparison.Ordinal);
        Assert.Equal((world.Root.Id, world.Root.Name), (view.Issuer.Id, view.Issuer.Name));
        var page = $"{CredentialsFixture.PublicBaseUrl}/credentials/{award.Id}";
        Assert.Equal((page, page + ".jwt", page + ".json", page + ".png", (string?)null), (view.Links.Page, view.Links.Jwt, view.Links.Json, view.Links.Png, view.Links.Svg));
        Assert.Equal($"{CredentialsFixture.PublicBaseUrl}/ob2/assertions/{award.Id}.png", view.Links.Ob2Png);
        var linkedIn = view.Links.AddToLinkedIn;
        Assert.StartsWith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME", linkedIn, StringComparison.Ordinal);
        Assert.Contains($"name={Uri.EscapeDataString(world.Manual.Name)}", linkedIn, StringComparison.Ordinal);
        Assert.Contains("issueYear=2026&issueMonth=3", linkedIn, StringComparison.Ordinal);
        Assert.Contains($"certUrl={Uri.EscapeDataString(page)}", linkedIn, StringComparison.Ordinal);
        Assert.Contains($"certId={award.Id}", linkedIn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListForStudent_NewestFirst_WithExpiredAndRevokedMarked()
    {
        var world = await app.NewWorldAsync();
        var now = DateTime.UtcNow;
        var expired = await app.AwardAsync(world.Manual, world.StudentA2, issuedAt: now.AddDays(-30).Date, expiresAt: now.AddDays(-1).Date);
        var revoked = await app.AwardAsync(world.Manual2, world.StudentA2, issuedAt: now.AddDays(-20).Date);
        var valid = await app.AwardAsync(world.NoManual, world.StudentA2, issuedAt: now.AddDays(-10).Date);
        await app.AwardAsync(world.Manual, world.StudentB1);
        await app.RevokeAsync(revoked, world.AdminRoot, "Duplicate");

        var views = await WithHandlerAsync(h => h.ListForStudentAsync(world.StudentA2.Id, CancellationToken.None));

        Assert.Equal([valid.Id, revoked.Id, expired.Id], views.Select(v => v.AwardId));
        Assert.Equal([AwardStatus.Valid, AwardStatus.Revoked, AwardStatus.Expired], views.Select(v => v.Status));
        Assert.Equal("Duplicate", views[1].RevocationReason);
        Assert.All(views, v => Assert.Null(v.Links.Png));
    }

    [Fact]
    public async Task Get_UnknownAward_IsNull()
    {
        Assert.Null(await WithHandlerAsync(h => h.GetAsync(Guid.NewGuid(), CancellationToken.None)));
    }
}
