using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Rosette.Data;
using Rosette.Infrastructure.Http;
using Rosette.Domain;
using Rosette.Domain.Badges;

namespace Rosette.Features.Badges;

public sealed record UploadedImage(string ContentType, byte[] Data);

/// <summary>Badge images: accepted as data: URIs (API) or uploads (pages), served publicly at a versioned URL.</summary>
public static class BadgeImages
{
    public static string Url(Guid badgeId, int version) => $"/badges/{badgeId}/image?v={version}";

    /// <summary>Reads a base64 data: URI; the declared media type is ignored, the bytes decide.</summary>
    public static Result<UploadedImage> ParseDataUri(string dataUri)
    {
        const string prefix = "data:";
        var comma = dataUri.IndexOf(',', StringComparison.Ordinal);
        if (!dataUri.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || comma < 0
            || !dataUri.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return BadgeErrors.InvalidImageDataUri;
        }
        var payload = dataUri.AsSpan(comma + 1);
        if (payload.Length > (BadgeImageContent.MaxBytes + 2) / 3 * 4 + 4)
        {
            return BadgeErrors.ImageTooLarge;
        }
        var buffer = new byte[payload.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(payload, buffer, out var written))
        {
            return BadgeErrors.InvalidImageDataUri;
        }
        return Accept(buffer.AsSpan(0, written).ToArray());
    }

    /// <summary>An acceptable image is stored without any credential baked into it: a badge image is the achievement's.</summary>
    public static Result<UploadedImage> Accept(byte[] data)
    {
        var type = BadgeImageContent.Detect(data);
        return type.IsSuccess ? new UploadedImage(type.Value, BakedCredential.RemoveFrom(type.Value, data)) : type.Error;
    }

    public static IEndpointRouteBuilder MapBadgeImages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/badges/{badgeId:guid}/image", async (Guid badgeId, HttpContext http, RosetteDb db, CancellationToken ct) =>
        {
            // One image, one URL, as for credentials: the route's guid takes any spelling of the id (upper case, braces, no
            // hyphens) and routing any case of its literals or a trailing slash, but only the spelling Url gives (lower case)
            // names the image; any other is not found, as an unknown id is.
            var image = http.Request.Path.Value == $"/badges/{badgeId:D}/image"
                ? await db.BadgeImages.AsNoTracking().SingleOrDefaultAsync(i => i.BadgeId == badgeId, ct)
                : null;
            if (image is null)
            {
                return Results.NotFound();
            }
            var headers = http.Response.Headers;
            // Versioned URLs never change content; SVGs must never run script, even when opened directly.
            headers.CacheControl = http.Request.Query.ContainsKey("v") ? "public, max-age=31536000, immutable" : "public, max-age=300";
            headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            // Images stored before uploads were cleaned may still carry a baked credential: served without it either way.
            return Results.File(BakedCredential.RemoveFrom(image.ContentType, image.Data), image.ContentType);
        }).AsPublicDocument().ExcludeFromDescription(); // a credential's achievement.image.id: verifiers fetch it as they fetch the credential
        return app;
    }
}
