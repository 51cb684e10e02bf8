using System.Net;
using Rosette.Domain;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;

namespace Rosette.Tests.Domain;

/// <summary>The outbound policy's address check and the providers' host rule (issue 14, item 2).</summary>
public sealed class OutboundTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("ff02::1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("::127.0.0.1")]
    [InlineData("::ffff:0:127.0.0.1")] // IPv4-translated (RFC 2765)
    [InlineData("64:ff9b:1::7f00:1")] // local-use translation (RFC 8215): not globally reachable
    [InlineData("2001:2::1")] // benchmarking (RFC 5180)
    public void IsPublic_PrivateLoopbackLinkLocalAndEmbeddedForms_AreRefused(string address) =>
        Assert.False(Outbound.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("52.1.2.3")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("64:ff9b::808:808")]
    public void IsPublic_PublicAddresses_AreAllowed(string address) => Assert.True(Outbound.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("169.254.169.254")]
    public async Task ConnectAsync_ToALoopbackOrLinkLocalHost_IsRefusedBeforeConnecting(string host)
    {
        var refused = await Assert.ThrowsAsync<OutboundRefusedException>(() =>
            Outbound.ConnectAsync(new DnsEndPoint(host, 443), allowPrivateNetworks: false, CancellationToken.None).AsTask());

        Assert.Contains("not a public address", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v1")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("https://169.254.169.254/latest")]
    [InlineData("https://api.credly.com.evil.example/v1")]
    [InlineData("https://evil.example/v1")]
    [InlineData("http://api.credly.com/v1")]
    [InlineData("https://user:pass@api.credly.com/v1")]
    public void ProviderAddressRules_HostsOffTheListOrPlainHttp_AreRefused(string url)
    {
        var rules = new ProviderAddressRules([], allowPlainHttp: false);

        var parsed = rules.Parse(url);

        Assert.False(parsed.IsSuccess, url);
        Assert.Contains("apiBaseUrl", ((InvalidError)parsed.Error!).Fields!.Keys);
    }

    [Fact]
    public void ProviderAddressRules_CredlyByDefault_AndHostsAnOperatorAdds()
    {
        Assert.Equal("https://api.credly.com/v1", new ProviderAddressRules([], false).Parse("https://api.credly.com/v1/").Value);
        Assert.True(new ProviderAddressRules([], false).Parse("https://sandbox-api.credly.com/v1").IsSuccess);
        Assert.True(new ProviderAddressRules(["credly.internal.example"], false).Parse("https://credly.internal.example/v1").IsSuccess);
    }

    [Fact]
    public void Excerpt_OfARemoteAnswer_IsShortAndWithoutControlCharacters()
    {
        var answer = "{\"message\":\"\u001b[31mbad\r\n\t token\"}" + new string('x', 5000);

        var kept = Rosette.Domain.Providers.DeliveryAttempt.Create(Guid.NewGuid(), DateTime.UtcNow, "issue", 400, answer, TimeSpan.Zero).Answer!;

        Assert.True(kept.Length <= Rosette.Domain.Providers.DeliveryAttempt.ExcerptLength, $"{kept.Length}");
        Assert.DoesNotContain(kept, char.IsControl);
        Assert.StartsWith("{\"message\":\" [31mbad token\"}", kept, StringComparison.Ordinal);
        Assert.EndsWith("…", kept, StringComparison.Ordinal);
    }
}
