namespace CraftFlow.Data.Storage;

public static class BlobStoreExtensions
{
    /// <summary>
    /// A blob's bytes, or null when there is none by that name. Refuses with <see cref="BlobTooLargeException"/>
    /// as soon as the blob exceeds <paramref name="maxBytes"/>, so a reader's memory stays bounded.
    /// </summary>
    public static async Task<byte[]?> ReadAllBytesAsync(this IBlobStore blobs, string sha256, long maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenReadAsync(sha256, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new BlobTooLargeException(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
