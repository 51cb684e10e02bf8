using System.Text;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Domain;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("ada@example.com", true)]
    [InlineData("  ada@example.com ", true)]
    [InlineData("admin@localhost", true)]
    [InlineData("Ada <ada@example.com>", false)]
    [InlineData("ada example.com", false)]
    [InlineData("ada@@example.com", false)]
    [InlineData("", false)]
    public void EmailAddress_Parse_AcceptsOnlyBareAddresses(string input, bool valid) =>
        Assert.Equal(valid, EmailAddress.Parse("email", input).IsSuccess);

    /// <summary>
    /// One address, one normalized form: the domain in its ASCII form (RFC 5891 section 4), whatever its case, the whole
    /// upper-cased. The local part is the mailbox owner's and is only upper-cased.
    /// </summary>
    [Theory]
    [InlineData("bob@bücher.example")]
    [InlineData("bob@xn--bcher-kva.example")]
    [InlineData("Bob@BÜCHER.Example")]
    [InlineData("BOB@XN--BCHER-KVA.EXAMPLE")]
    public void EmailAddress_Normalize_EverySpellingOfAnInternationalizedDomain_IsOneForm(string email)
    {
        var normalized = EmailAddress.Normalize(email);

        Assert.Equal("BOB@XN--BCHER-KVA.EXAMPLE", normalized);
        Assert.Equal(normalized, EmailAddress.Normalize(normalized));
    }

    [Theory]
    [InlineData("ada@example.com", "ADA@EXAMPLE.COM")]
    [InlineData("josé@example.com", "JOSÉ@EXAMPLE.COM")]
    [InlineData("ada@[127.0.0.1]", "ADA@[127.0.0.1]")]
    public void EmailAddress_Normalize_AsciiOrNonDomainParts_AreUpperCasedOnly(string email, string normalized) =>
        Assert.Equal(normalized, EmailAddress.Normalize(email));

    [Fact]
    public void Text_Required_TrimsAndKeepsMarkupAndUnicode()
    {
        Assert.Equal("<b>Ünï 🎓</b>", Text.Required("name", "  <b>Ünï 🎓</b>  ").Value);
        Assert.Equal("validation_failed", Text.Required("name", "a\u0007b").Error!.Code);
        Assert.Equal("validation_failed", Text.Required("name", new string('x', 201)).Error!.Code);
        Assert.Null(Text.Optional("criteria", "   ", 100).Value);
        Assert.Equal("line one\nline two", Text.Optional("criteria", "line one\nline two", 100).Value);
    }

    [Fact]
    public void BadgeImageContent_RecognisesBytesNotNames()
    {
        Assert.Equal(BadgeImageContent.Png, BadgeImageContent.Detect(Images.Png).Value);
        Assert.Equal(BadgeImageContent.Svg, BadgeImageContent.Detect(Encoding.UTF8.GetBytes(Images.Svg)).Value);
        Assert.False(BadgeImageContent.Detect(Images.Png.AsSpan(0, 20)).IsSuccess);
        Assert.False(BadgeImageContent.Detect("GIF89a"u8).IsSuccess);
        Assert.False(BadgeImageContent.Detect("<html><body/></html>"u8).IsSuccess);
        Assert.False(BadgeImageContent.Detect(Encoding.UTF8.GetBytes("""<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>""")).IsSuccess);
        Assert.False(BadgeImageContent.Detect(Encoding.UTF8.GetBytes("""<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>""")).IsSuccess);
        Assert.Equal("image_too_large", BadgeImageContent.Detect(new byte[BadgeImageContent.MaxBytes + 1]).Error!.Code);
    }

    [Fact]
    public void User_Update_CannotDeactivateOrDemoteSelf()
    {
        var user = User.Create("me@example.com", "Me", "Myself", Guid.NewGuid(), UserRole.Administrator, DateTime.UnixEpoch).Value;
        var self = new Actor(user.Id, UserRole.Administrator, user.OrganizationId, "/x/", false);

        Assert.Equal("cannot_change_self", user.Update(self, "/x/", null, null, null, false, null)!.Code);
        Assert.Equal("cannot_change_self", user.Update(self, "/x/", null, null, UserRole.Student, null, null)!.Code);
        Assert.Null(user.Update(self, "/x/", "New", null, null, null, null));
        Assert.Equal("New", user.FirstName);
    }
}
