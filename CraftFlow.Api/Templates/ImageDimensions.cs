using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Api.Templates;

/// <summary>
/// A template's size as the mockup renderer will see it: decoded behind the imaging limits (a bomb or a
/// corrupt file is refused here, not at render time) with EXIF orientation applied, so the print area is
/// validated against the same pixels it will be drawn on.
/// </summary>
public static class ImageDimensions
{
    /// <exception cref="ImageRejectedException">The file is not an image CraftFlow can render, with a reason a seller can read.</exception>
    public static async Task<(int Width, int Height)> ReadAsync(IBlobStore blobs, string sha256, ImagingOptions options, CancellationToken cancellationToken)
    {
        byte[] data;
        try
        {
            data = await blobs.ReadAllBytesAsync(sha256, options.MaxFileBytes, cancellationToken)
                ?? throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The uploaded file is no longer in storage.");
        }
        catch (BlobTooLargeException e)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooLarge, e.Message);
        }

        using var image = ImageDecoder.DecodeForRendering(data, options);
        return ((int)image.Width, (int)image.Height);
    }
}
