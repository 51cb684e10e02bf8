using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data.Upgrades;
using Rosette.Features.Users;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Data.Upgrades;

/// <summary>
/// The data upgrade <c>normalize-email-domains</c> on users stored as the earlier release stored them (the domain as typed,
/// upper-cased): run by start-up's <see cref="DatabaseStartup.MigrateAsync"/> while pending, and only then.
/// </summary>
public sealed class NormalizeEmailDomainsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Upgrade_GivesOldRowsTheAsciiForm_LeavesOneAddressInTwoSpellingsToAnAdministrator_AndRunsOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var tag = Guid.NewGuid().ToString("N");
        async Task<Guid> CreateAsync(string email) => (await (await admin.PostJsonAsync("/api/v1/users", new
        {
            email, firstName = "Uma", lastName = "Upgrade", organizationId = world.A1.Id, role = "instructor", password = "a-long-password",
        })).IsOkAsync<UserDto>(HttpStatusCode.Created)).Id;
        var aloneEmail = $"alone.{tag}@bücher.example";
        var twiceUnicode = $"twice.{tag}@bücher.example";
        var alone = await CreateAsync(aloneEmail);
        var holder = await CreateAsync($"twice.{tag}@xn--bcher-kva.example");
        var other = await CreateAsync($"other.{tag}@rosette.test");
        async Task StoreOldFormsAsync() => await app.Factory.WithDbAsync(async db =>
        {
            await db.Users.Where(u => u.Id == alone).ExecuteUpdateAsync(s => s.SetProperty(u => u.NormalizedEmail, aloneEmail.ToUpperInvariant()));
            // The same mailbox as the holder's, written before in the other spelling: the unique index did not see it.
            await db.Users.Where(u => u.Id == other).ExecuteUpdateAsync(s => s.SetProperty(u => u.Email, twiceUnicode).SetProperty(u => u.NormalizedEmail, twiceUnicode.ToUpperInvariant()));
        });
        async Task StartUpAsync()
        {
            await using var scope = app.Factory.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider, CancellationToken.None);
        }
        Task<string> NormalizedAsync(Guid id) => app.Factory.WithDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.NormalizedEmail).SingleAsync());
        async Task<(string?, string?)> MigrationsCheckAsync()
        {
            var check = JsonDocument.Parse(await (await app.Factory.CreateClient().GetAsync("/health/ready")).Content.ReadAsStringAsync())
                .RootElement.GetProperty("checks").GetProperty("migrations");
            return (check.GetProperty("status").GetString(), check.GetProperty("description").GetString());
        }
        async Task<HttpStatusCode> SignInAsync(string email) =>
            (await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email, password = "a-long-password" })).StatusCode;

        await StoreOldFormsAsync();
        await app.Factory.WithDbAsync(db => db.Set<DataUpgrade>().Where(u => u.Name == "normalize-email-domains").ExecuteUpdateAsync(s => s.SetProperty(u => u.DoneAt, (DateTime?)null)));
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync($"alone.{tag}@xn--bcher-kva.example"));
        // Pending, as after migrations applied by other means than Rosette's: the instance is not ready, and says why.
        Assert.Equal(("unhealthy", "1 data upgrade(s) not made: run the migrate verb or restart with MigrateOnStart."), await MigrationsCheckAsync());
        var logged = app.Logs.Lines.Count;

        await StartUpAsync();

        Assert.Equal($"ALONE.{tag.ToUpperInvariant()}@XN--BCHER-KVA.EXAMPLE", await NormalizedAsync(alone));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync($"alone.{tag}@xn--bcher-kva.example"));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(aloneEmail));
        Assert.Equal($"TWICE.{tag.ToUpperInvariant()}@XN--BCHER-KVA.EXAMPLE", await NormalizedAsync(holder));
        Assert.Equal(twiceUnicode.ToUpperInvariant(), await NormalizedAsync(other));
        var warning = Assert.Single(app.Logs.Lines.Skip(logged), l => l.StartsWith("Warning ", StringComparison.Ordinal));
        Assert.Contains($"Users {other} and {holder} have one email address in two spellings", warning, StringComparison.Ordinal);
        Assert.NotNull(await app.Factory.WithDbAsync(db => db.Set<DataUpgrade>().Where(u => u.Name == "normalize-email-domains").Select(u => u.DoneAt).SingleAsync()));
        Assert.Equal(("healthy", "Every migration is applied."), await MigrationsCheckAsync());

        // Done: a later start does not run it again.
        await StoreOldFormsAsync();
        await StartUpAsync();
        Assert.Equal(aloneEmail.ToUpperInvariant(), await NormalizedAsync(alone));
    }
}
