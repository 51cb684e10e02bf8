using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Badges;
using Rosette.Features.Badges;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class BadgesApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_WithPngImage_StoresItAndServesItPublicly()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var badge = await (await admin.PostJsonAsync("/api/v1/badges", new
        {
            name = "Router Wrangler", description = "Configures routers.", criteria = "Pass the lab.", organizationId = world.Root.Id,
            allowManualIssuance = true, availableToOrganizationIds = new[] { world.A.Id, world.A1.Id }, image = Images.PngDataUri, validityDays = 365,
        })).IsOkAsync<BadgeDto>(HttpStatusCode.Created);

        Assert.True(badge.AllowManualIssuance);
        Assert.Equal(new[] { world.A.Id, world.A1.Id }.Order(), badge.AvailableToOrganizationIds);
        Assert.Equal(365, badge.ValidityDays);
        var image = await app.Factory.CreateClient().GetAsync(badge.ImageUrl);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Images.Png, await image.Content.ReadAsByteArrayAsync());
        Assert.Contains("default-src 'none'", image.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ImageIsCheckedByContent_NotByDeclaredType()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        object Body(string image) => new { name = "x", description = "d", organizationId = world.Root.Id, image };

        var svgAsPng = await admin.PostJsonAsync("/api/v1/badges", Body($"data:image/png;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(Images.Svg))}"));
        var (textAsPng, scriptedSvg, handlerSvg, notBase64, tooLarge) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await admin.PostJsonAsync("/api/v1/badges", Body($"data:image/png;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes("hello, I am text"))}")),
            await admin.PostJsonAsync("/api/v1/badges", Body(Images.SvgDataUri("""<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"""))),
            await admin.PostJsonAsync("/api/v1/badges", Body(Images.SvgDataUri("""<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"""))),
            await admin.PostJsonAsync("/api/v1/badges", Body("https://example.com/badge.png")),
            await admin.PostJsonAsync("/api/v1/badges", Body("data:image/png;base64," + Convert.ToBase64String(new byte[1024 * 1024 + 1])))));

        Assert.Equal("image/svg+xml", (await svgAsPng.IsOkAsync<BadgeDto>(HttpStatusCode.Created)).ImageUrl is { } url
            ? (await app.Factory.CreateClient().GetAsync(url)).Content.Headers.ContentType?.MediaType : null);
        (await textAsPng.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image")).HasFieldError("image");
        await scriptedSvg.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        await handlerSvg.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        await notBase64.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        await tooLarge.IsProblemAsync(HttpStatusCode.BadRequest, "image_too_large");
    }

    [Fact]
    public async Task Create_AvailabilityOutsideOwnTree_Answers400()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);

        var (toParent, toSibling, toUnknown) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await adminRoot.PostJsonAsync("/api/v1/badges", new { name = "x", description = "d", organizationId = world.A.Id, availableToOrganizationIds = new[] { world.Root.Id } }),
            await adminRoot.PostJsonAsync("/api/v1/badges", new { name = "x", description = "d", organizationId = world.A.Id, availableToOrganizationIds = new[] { world.B.Id } }),
            await adminRoot.PostJsonAsync("/api/v1/badges", new { name = "x", description = "d", organizationId = world.A.Id, availableToOrganizationIds = new[] { Guid.NewGuid() } })));

        await toParent.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_availability");
        await toSibling.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_availability");
        await toUnknown.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_availability");
    }

    [Fact]
    public async Task Patch_ManualIssuanceAndArchive_Persist()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var patched = await (await admin.PatchJsonAsync($"/api/v1/badges/{world.NoManual.Id}", new { allowManualIssuance = true, archived = true, name = "Renamed" })).IsOkAsync<BadgeDto>();
        var archivedOnly = await (await admin.GetAsync($"/api/v1/badges?archived=true&organizationId={world.Root.Id}")).IsOkAsync<Paged<BadgeDto>>();

        Assert.Equal((true, true, "Renamed"), (patched.AllowManualIssuance, patched.Archived, patched.Name));
        Assert.Equal(new[] { world.NoManual.Id, world.Archived.Id }.Order(), archivedOnly.Items.Select(b => b.Id).Order());
    }

    [Fact]
    public async Task Badges_AreScopedToAdministrators()
    {
        var world = await app.NewWorldAsync();

        await (await (await app.ClientAsync(world.AdminA)).GetAsync($"/api/v1/badges/{world.Manual.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found");
        var adminA = await app.ClientAsync(world.AdminA);
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => adminA.PatchJsonAsync($"/api/v1/badges/{world.BadgeB.Id}", new { name = "x" }))).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found");
        await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync("/api/v1/badges")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var adminB = await (await (await app.ClientAsync(world.AdminB)).GetAsync("/api/v1/badges")).IsOkAsync<Paged<BadgeDto>>();
        Assert.Equal(world.BadgeB.Id, Assert.Single(adminB.Items).Id);
    }

    // Open Badges 3.0 "Baking" (PNG: iTXt keyword openbadgecredential; SVG: <openbadges:credential>, namespace
    // https://purl.imsglobal.org/ob/v3p0) and Open Badges 2.0 "Baking Specification" (PNG keyword openbadges; SVG
    // <openbadges:assertion>, namespace http://openbadges.org): a badge image is the achievement's and carries none of them.
    private static readonly string[] OpenBadgesNamespaces = ["https://purl.imsglobal.org/ob/v3p0", "http://openbadges.org"];

    [Fact]
    public async Task Create_PngWithBakedCredentials_IsStoredAndServedWithoutThem_OtherChunksUntouched()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var uploaded = BakedImages.PngWithOpenBadgesTexts();

        var badge = await (await admin.PostJsonAsync("/api/v1/badges", new
        {
            name = "Forged", description = "d", organizationId = world.Root.Id, image = $"data:image/png;base64,{Convert.ToBase64String(uploaded)}",
        })).IsOkAsync<BadgeDto>(HttpStatusCode.Created);
        var served = await app.Factory.CreateClient().GetByteArrayAsync(badge.ImageUrl);
        var stored = await app.Factory.WithDbAsync(db => db.BadgeImages.AsNoTracking().SingleAsync(i => i.BadgeId == badge.Id));

        Assert.Equal(["IHDR", "tEXt", "IDAT", "IEND"], IndependentVerifier.PngChunksWithValidCrc(served));
        Assert.Equal(("tEXt", "Comment"), BakedImages.ChunksWithKeywords(served)[1]);
        // Byte for byte the original picture (signature and IHDR, then IDAT and IEND) around the one text chunk kept (12 + 12 bytes).
        const int headed = 8 + 12 + 13;
        Assert.Equal(Images.Png[..headed], served[..headed]);
        Assert.Equal(Images.Png[headed..], served[^(Images.Png.Length - headed)..]);
        Assert.Equal(Images.Png.Length + 24, served.Length);
        Assert.Equal(served, stored.Data);
    }

    [Fact]
    public async Task Patch_SvgWithBakedCredentialsOfBothVersions_IsStoredAndServedWithoutThem()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var badge = await (await admin.PatchJsonAsync($"/api/v1/badges/{world.NoManual.Id}", new { image = Images.SvgDataUri(BakedImages.SvgWithOpenBadgesElements) }))
            .IsOkAsync<BadgeDto>();
        var served = await app.Factory.CreateClient().GetStringAsync(badge.ImageUrl);
        var stored = await app.Factory.WithDbAsync(db => db.BadgeImages.AsNoTracking().SingleAsync(i => i.BadgeId == badge.Id));

        var svg = XDocument.Parse(served);
        Assert.DoesNotContain(svg.Descendants(), e => OpenBadgesNamespaces.Contains(e.Name.NamespaceName));
        Assert.DoesNotContain(svg.Root!.Attributes(), a => OpenBadgesNamespaces.Contains(a.Value));
        Assert.DoesNotContain("forged", served, StringComparison.OrdinalIgnoreCase);
        Assert.True(XNode.DeepEquals(XDocument.Parse(Images.Svg), svg), served);
        Assert.Equal(served, Encoding.UTF8.GetString(stored.Data));
    }

    [Fact]
    public async Task ServeImage_StoredBeforeUploadsWereCleaned_IsServedWithoutBakedCredentials()
    {
        var world = await app.NewWorldAsync();
        await app.Factory.WithDbAsync(async db =>
        {
            foreach (var (badge, type, data) in new[]
            {
                (world.Manual, BadgeImageContent.Png, BakedImages.PngWithOpenBadgesTexts()),
                (world.NoManual, BadgeImageContent.Svg, Encoding.UTF8.GetBytes(BakedImages.SvgWithOpenBadgesElements)),
            })
            {
                (await db.Badges.FindAsync(badge.Id))!.SetImage(type, DateTime.UtcNow);
                db.BadgeImages.Add(new BadgeImage(badge.Id, type, data));
            }
            return await db.SaveChangesAsync();
        });
        var client = app.Factory.CreateClient();

        var png = await client.GetByteArrayAsync(BadgeImages.Url(world.Manual.Id, 1));
        var svg = await client.GetStringAsync(BadgeImages.Url(world.NoManual.Id, 1));

        Assert.Equal(["IHDR", "tEXt", "IDAT", "IEND"], IndependentVerifier.PngChunksWithValidCrc(png));
        Assert.True(XNode.DeepEquals(XDocument.Parse(Images.Svg), XDocument.Parse(svg)), svg);
    }

    // PNG specification, sections 5.3 (chunk layout, CRC-32) and 5.6 (IHDR first, IEND last): a PNG is baked by its chunks
    // (Open Badges 3.0, section 5.3.1.1 PNG Baking), so a damaged one is refused when uploaded, not when baked.
    [Fact]
    public async Task Create_DamagedPng_Answers400InvalidImage_NothingStored()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var badCrc = Images.Png;
        badCrc[^13]--;
        Task<HttpResponseMessage> Post(byte[] png) => admin.PostJsonAsync("/api/v1/badges", new
        {
            name = "x", description = "d", organizationId = world.Root.Id, image = $"data:image/png;base64,{Convert.ToBase64String(png)}",
        });

        var (noIend, pastTheEnd, wrongCrc) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await Post(Images.Png[..^12]),
            await Post([.. Images.Png[..^12], 0, 0, 1, 0, .. "IDAT"u8, 1, 2, 3]),
            await Post(badCrc)));

        foreach (var response in new[] { noIend, pastTheEnd, wrongCrc })
        {
            var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
            problem.HasFieldError("image");
            Assert.Contains("The PNG is truncated or damaged", problem.GetRawText(), StringComparison.Ordinal);
        }
    }

    // Open Badges 3.0, section 5.3.2.1 SVG Baking: verify is an attribute of <openbadges:credential>, and 5.3.2.2 Extracting
    // reads the first such tag: a verifier searching the text must find none in a badge image, in a comment, text or CDATA either.
    [Fact]
    public async Task Patch_SvgWithLookalikesOfACredential_VerifyElsewhereIsRefused_CommentsAndTextAreRemoved()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        const string open = """<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">""";

        var verifyOnRect = await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PatchJsonAsync($"/api/v1/badges/{world.NoManual.Id}",
            new { image = Images.SvgDataUri(open + """<rect verify="header.payload.signature" width="1" height="1"/></svg>""") }));
        var badge = await (await admin.PatchJsonAsync($"/api/v1/badges/{world.NoManual.Id}", new
        {
            image = Images.SvgDataUri("""<!-- <openbadges:credential verify="forged.jws"/> -->""" + open
                + """<desc><![CDATA[<openbadges:credential verify="forged.jws"/>]]></desc><!-- openbadgecredential forged -->"""
                + """<circle cx="5" cy="5" r="4" fill="#1f6feb"/></svg>"""),
        })).IsOkAsync<BadgeDto>();
        var served = await app.Factory.CreateClient().GetStringAsync(badge.ImageUrl);
        var stored = await app.Factory.WithDbAsync(db => db.BadgeImages.AsNoTracking().SingleAsync(i => i.BadgeId == badge.Id));

        (await verifyOnRect.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image")).HasFieldError("image");
        Assert.DoesNotContain("openbadge", served, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("forged", served, StringComparison.Ordinal);
        Assert.Contains("<circle", served, StringComparison.Ordinal);
        Assert.Equal(served, Encoding.UTF8.GetString(stored.Data));
    }

    [Fact]
    public async Task Create_PngWithChunksThatLookLikeACredential_IsStoredAndServedWithoutThem()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var uploaded = BakedImages.PngWithChunks(
            ("tEXt", [.. "OpenBadgeCredential\0forged"u8]), ("tEXt", [.. "Comment\0openbadges forged"u8]), ("tEXt", [.. "Comment\0kept"u8]));

        var badge = await (await admin.PostJsonAsync("/api/v1/badges", new
        {
            name = "Lookalike", description = "d", organizationId = world.Root.Id, image = $"data:image/png;base64,{Convert.ToBase64String(uploaded)}",
        })).IsOkAsync<BadgeDto>(HttpStatusCode.Created);
        var served = await app.Factory.CreateClient().GetByteArrayAsync(badge.ImageUrl);

        Assert.Equal(["IHDR", "tEXt", "IDAT", "IEND"], IndependentVerifier.PngChunksWithValidCrc(served));
        Assert.Equal(("tEXt", "Comment"), BakedImages.ChunksWithKeywords(served)[1]);
        Assert.Equal(Images.Png.Length + 24, served.Length);
    }

    [Fact]
    public async Task Patch_SvgWithABakedCredential_IsStoredAsUploadedLessTheCredential()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        const string picture = "<circle cx='5' cy='5' r='4' fill='#1f6feb'></circle>\n</svg>";

        var badge = await (await admin.PatchJsonAsync($"/api/v1/badges/{world.NoManual.Id}", new
        {
            image = Images.SvgDataUri("<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='https://purl.imsglobal.org/ob/v3p0' width='10'>\n"
                + "<openbadges:credential verify='forged.jws'/>" + picture),
        })).IsOkAsync<BadgeDto>();
        var served = await app.Factory.CreateClient().GetStringAsync(badge.ImageUrl);

        Assert.Equal("<svg xmlns='http://www.w3.org/2000/svg' width='10'>\n" + picture, served);
    }
}
