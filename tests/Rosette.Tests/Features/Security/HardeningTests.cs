using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Rosette.Data;
using Rosette.Features.Notifications;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>The smaller findings of issue 14 (item 6): paging overflow, caching of private answers, file modes, the bootstrap password.</summary>
public sealed class HardeningTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Paging_PastTheLastAddressablePage_Answers400_OnEveryList()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        foreach (var list in new[] { "/api/v1/users", "/api/v1/organizations", "/api/v1/classes", "/api/v1/badges", "/api/v1/audit-entries",
            $"/api/v1/classes/{world.Class.Id}/roster", "/api/v1/badge-providers", "/api/v1/awards" })
        {
            (await (await admin.GetAsync($"{list}?page=2147483647")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("page");
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await session.GetAsync("/admin/users?page=2147483647")).Status);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/admin/users?page=2")).Status);
    }

    [Fact]
    public async Task TokensAndPersonalData_AreNeverStored()
    {
        var world = await app.NewWorldAsync();
        var token = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = World.Password });
        var user = await (await app.ClientAsync(world.AdminA)).GetAsync($"/api/v1/users/{world.StudentA1.Id}");
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        using var users = await session.GetResponseAsync("/admin/users");
        using var roster = await session.GetResponseAsync($"/classes/{world.Class.Id}/roster");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (token.StatusCode, user.StatusCode, users.StatusCode));
        Assert.True(token.Headers.CacheControl?.NoStore, "token");
        Assert.True(user.Headers.CacheControl?.NoStore, "user");
        Assert.True(users.Headers.CacheControl?.NoStore, "users page");
        Assert.True(roster.Headers.CacheControl?.NoStore, "roster page");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task WhatRosetteCreatesUnderData_IsForItsOwnUserOnly()
    {
        var data = Path.Combine(Path.GetTempPath(), "rosette-tests", $"data-{Guid.NewGuid():N}");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Rosette"] = $"Data Source={data}/db/rosette.db",
                ["Rosette:DataProtection:CertificatePath"] = $"{data}/keys/dataprotection.pfx",
            }).Build();
            new ServiceCollection().AddRosetteDatabase(configuration);
            new ServiceCollection().AddRosetteDataProtection(configuration);
            await using (var mail = new MailDelivery(new SmtpSettings(), new MailSettings { Directory = $"{data}/mail" }).Open())
            {
                var message = new MimeMessage { Subject = "Private", Body = new TextPart("plain") { Text = "A student's award." } };
                message.From.Add(MailboxAddress.Parse("rosette@example.com"));
                message.To.Add(MailboxAddress.Parse("student@example.com"));
                await mail.SendAsync(message, "award-1", CancellationToken.None);
            }

            foreach (var folder in new[] { "db", "keys", "mail" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(data, folder)));
            }
            foreach (var file in new[] { "db/rosette.db", "keys/dataprotection.pfx", "mail/award-1.eml" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, file)));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Bootstrap_APasswordBreakingThePasswordRules_StopsTheStart()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new RosetteFactory(database, settings: new Dictionary<string, string?> { ["Rosette:Bootstrap:AdminPassword"] = "short" });

        var failure = Record.Exception(factory.StartServer);

        Assert.NotNull(failure);
        Assert.Contains("password rules", failure.ToString(), StringComparison.Ordinal);
    }
}
