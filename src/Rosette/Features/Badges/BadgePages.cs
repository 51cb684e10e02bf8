using Rosette.Domain.Badges;

namespace Rosette.Features.Badges;

public static class BadgePages
{
    /// <summary>
    /// An uploaded image as the data: URI the handler takes (the API's form), so that the handler alone judges it by its
    /// content and size. At most one byte more than the limit is read: enough for the handler to refuse it.
    /// </summary>
    public static async Task<string?> ToDataUriAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0)
        {
            return null;
        }
        await using var stream = file.OpenReadStream();
        var buffer = new byte[Math.Min(file.Length, BadgeImageContent.MaxBytes + 1)];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return $"data:application/octet-stream;base64,{Convert.ToBase64String(buffer, 0, read)}";
    }
}
