using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Auth;

namespace Rosette.Bench;

/// <summary>HTTP clients for a served bench app: a bearer token for the API, a signed-in cookie for pages.</summary>
internal static partial class BenchClients
{
    public const string Password = "bench-password-1";

    public static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<HttpClient> ApiClientAsync(BenchHost app, Guid userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<RosetteDb>().Users.SingleAsync(u => u.Id == userId);
        var (token, _) = await scope.ServiceProvider.GetRequiredService<TokenIssuer>().IssueAsync(user);
        var client = new HttpClient { BaseAddress = AddressOf(app.Services), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Gives the user a password and signs in through the log-in page, as a browser does.</summary>
    public static async Task<HttpClient> PageClientAsync(BenchHost app, Guid userId)
    {
        string email;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
            var user = await db.Users.SingleAsync(u => u.Id == userId);
            user.PasswordHash = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>().HashPassword(user, Password);
            await db.SaveChangesAsync();
            email = user.Email;
        }
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = AddressOf(app.Services),
        };
        var form = await client.GetStringAsync("/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = Password, ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Signing in failed: {(int)response.StatusCode}");
        }
        return client;
    }

    /// <summary>Median and 90th percentile of <paramref name="runs"/> timed GETs, after two untimed ones.</summary>
    public static async Task<(double Median, double P90)> TimeGetsAsync(HttpClient client, string url, int runs)
    {
        for (var i = 0; i < 2; i++)
        {
            (await client.GetAsync(url)).EnsureSuccessStatusCode();
        }
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await client.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            times.Add(stopwatch.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }
        return (Percentile(times, 0.5), Percentile(times, 0.9));
    }

    public static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
