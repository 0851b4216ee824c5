using CraftFlow.Data.Storage;
using ImageMagick;

namespace CraftFlow.Api.Templates;

/// <summary>Reads an image's size from its header only (a "ping"): no pixels are decoded.</summary>
public static class ImageDimensions
{
    public static async Task<(int Width, int Height)?> ReadAsync(IBlobStore blobs, string sha256, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenReadAsync(sha256, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        try
        {
            var info = new MagickImageInfo();
            info.Read(stream);
            return info.Width is > 0 and <= int.MaxValue && info.Height is > 0 and <= int.MaxValue ? ((int)info.Width, (int)info.Height) : null;
        }
        catch (MagickException)
        {
            return null;
        }
    }
}
