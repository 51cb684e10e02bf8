using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// The real app on a real database of the lane's engine. Only what is outside our walls is swapped: the clock
/// (a <see cref="FakeTimeProvider"/> when a test asks for one). Given a <see cref="LogCapture"/>, the host's log lines go to it.
/// </summary>
public class RosetteFactory(TestDatabase database, FakeTimeProvider? clock = null, IDictionary<string, string?>? settings = null, LogCapture? logs = null)
    : WebApplicationFactory<Program>
{
    public const string AdminEmail = "root@rosette.test";
    public const string AdminPassword = "root-password-1";

    /// <summary>One Data Protection certificate for the whole run: hosts sharing a database share it, as instances must.</summary>
    public static readonly string CertificatePath = Path.Combine(Path.GetTempPath(), "rosette-tests", $"dataprotection-{Environment.ProcessId}.pfx");

    public static readonly JsonSerializerOptions Json = CreateJson();

    /// <summary>
    /// For hosts whose providers are a stand-in on loopback (the fake Credly): lets outbound calls reach this machine over
    /// http. Production never sets it; hosts without it keep the default policy (see OutboundPolicyTests).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> LocalOutbound = new Dictionary<string, string?>
    {
        ["Rosette:Outbound:AllowPrivateNetworks"] = "true",
        ["Rosette:Providers:AllowedHosts:0"] = "localhost",
        ["Rosette:Providers:AllowedHosts:1"] = "127.0.0.1",
    };

    /// <summary>A page path and an API path that throw inside the app's pipeline, to show what a bug looks like (and logs).</summary>
    public const string FailingPath = "/test-only/fail";

    public const string FailingApiPath = "/api/v1/test-only/fail";

    /// <summary>What the deliberate failure's exception says: never in an answer.</summary>
    public const string FailureSecret = "secret-detail-42";

    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Rosette:Database:Provider", Database.Provider);
        builder.UseSetting("ConnectionStrings:Rosette", Database.ConnectionString);
        builder.UseSetting("Rosette:Bootstrap:AdminEmail", AdminEmail);
        builder.UseSetting("Rosette:Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Rosette:DataProtection:CertificatePath", CertificatePath);
        // Tests sign in many times from one address; the real limits are exercised by hosts that set them (SignInLimitTests).
        builder.UseSetting("Rosette:SignIn:PermitsPerAddress", "100000");
        // The start-up warm-up is tested by WarmupTests (and runs in the child processes of StartupTests); on every other
        // host it would add a rolled-back round and a wait for readiness to each test.
        builder.UseSetting("Rosette:Warmup:Enabled", "false");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (Environment.GetEnvironmentVariable("ROSETTE_TEST_LOG") is { Length: > 0 } log)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(new FileLoggerProvider(log)));
        }
        if (logs is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
        }
        builder.ConfigureServices(services =>
        {
            services.AddTransient<IStartupFilter, FailingPathFilter>();
            if (clock is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(clock);
            }
        });
    }

    /// <summary>An API client signed in as <paramref name="user"/> (token made directly, skipping the password check).</summary>
    public async Task<HttpClient> ClientForAsync(User user)
    {
        await using var scope = Services.CreateAsyncScope();
        var (token, _) = await scope.ServiceProvider.GetRequiredService<TokenIssuer>().IssueAsync(user);
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<RosetteDb, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<RosetteDb>());
    }

    public Task WithDbAsync(Func<RosetteDb, Task> work) => WithDbAsync(async db =>
    {
        await work(db);
        return true;
    });

    /// <summary>Runs after the app's endpoints, so inside its exception handling, only for the failing paths.</summary>
    private sealed class FailingPathFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((context, nextMiddleware) => context.Request.Path == FailingPath || context.Request.Path == FailingApiPath
                ? throw new InvalidOperationException($"A deliberate failure: {FailureSecret}")
                : nextMiddleware(context));
        };
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RosetteApp.ConfigureJson(options);
        return options;
    }
}

public static class HttpJson
{
    public static Task<HttpResponseMessage> PostJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PostAsJsonAsync(url, body, RosetteFactory.Json);

    public static Task<HttpResponseMessage> PatchJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PatchAsJsonAsync(url, body, RosetteFactory.Json);

    public static Task<HttpResponseMessage> PutJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PutAsJsonAsync(url, body, RosetteFactory.Json);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<T>(RosetteFactory.Json) ?? throw new InvalidOperationException("Empty body.");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(RosetteFactory.Json);
}
