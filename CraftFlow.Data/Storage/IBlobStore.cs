namespace CraftFlow.Data.Storage;

/// <summary>
/// Content-addressed image storage: a blob's name is the hex SHA-256 of its bytes, so identical
/// uploads are stored once and a name never changes meaning.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores <paramref name="content"/>, hashing it on the way; a blob that already exists is not written twice.</summary>
    /// <param name="maxBytes">Streams longer than this are refused with <see cref="BlobTooLargeException"/> and nothing is kept.</param>
    Task<StoredBlob> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Opens a blob for reading, or null when there is none by that name.</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken);

    Task DeleteAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Every blob, for the maintenance job's garbage collection.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(CancellationToken cancellationToken);
}

public sealed record StoredBlob(string Sha256, long Length, bool AlreadyExisted);

/// <summary>A stored blob's name and when it was written (orphans younger than a grace period may belong to an upload in flight).</summary>
public sealed record BlobInfo(string Sha256, DateTimeOffset CreatedAt);

public sealed class BlobTooLargeException(long maxBytes)
    : Exception($"The content is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}
