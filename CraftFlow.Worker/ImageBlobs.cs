using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Worker;

public static class ImageBlobs
{
    /// <summary>
    /// A stored image's bytes (null when the blob is gone), bounded by the imaging file-size limit; an
    /// oversized one is an image rejection like any other, so it fails the design or mockup, not the job.
    /// </summary>
    public static async Task<byte[]?> ReadImageAsync(this IBlobStore blobs, string sha256, ImagingOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.ReadAllBytesAsync(sha256, options.MaxFileBytes, cancellationToken);
        }
        catch (BlobTooLargeException e)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooLarge, e.Message);
        }
    }
}
