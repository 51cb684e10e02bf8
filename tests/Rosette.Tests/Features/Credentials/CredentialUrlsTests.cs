using Microsoft.Extensions.Configuration;
using Rosette.Features.Credentials;

namespace Rosette.Tests.Features.Credentials;

/// <summary>Without Rosette:PublicBaseUrl, credentials are built on the address Rosette is told to listen on.</summary>
public sealed class CredentialUrlsTests
{
    private static string BaseFor(params (string Key, string Value)[] settings) =>
        CredentialUrls.From(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build()).Base;

    [Theory]
    [InlineData("http://127.0.0.1:5311", "http://127.0.0.1:5311")]
    [InlineData("http://0.0.0.0:8080", "http://localhost:8080")]
    [InlineData("http://*:8080;https://+:8443", "https://localhost:8443")]
    [InlineData("http://[::]:8000", "http://localhost:8000")]
    [InlineData("http://badges.example.org:8080/", "http://badges.example.org:8080")]
    public void PublicBaseUrl_NotSet_IsTheListeningAddress(string urls, string expected) =>
        Assert.Equal(expected, BaseFor(("urls", urls)));

    [Fact]
    public void PublicBaseUrl_NotSet_FollowsKestrelEndpointsThenPorts_ThenKestrelsDefault()
    {
        Assert.Equal("http://localhost:7000", BaseFor(("Kestrel:Endpoints:Http:Url", "http://*:7000")));
        Assert.Equal("http://localhost:8080", BaseFor(("http_ports", "8080;8081")));
        Assert.Equal("https://localhost:8443", BaseFor(("http_ports", "8080"), ("https_ports", "8443")));
        Assert.Equal(CredentialUrls.DefaultBaseUrl, BaseFor());
    }

    [Fact]
    public void PublicBaseUrl_Set_WinsOverTheListeningAddress() =>
        Assert.Equal("https://badges.example.org", BaseFor(("Rosette:PublicBaseUrl", "https://badges.example.org/"), ("urls", "http://127.0.0.1:5311")));
}
