using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace CraftFlow.Data.Storage;

/// <summary>Blobs as files under STORAGE_PATH/ab/abcdef…; written to a temp file and renamed, so readers never see half a file.</summary>
public sealed class FileSystemBlobStore(IOptions<StorageOptions> options) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Path);

    public async Task<StoredBlob> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var (temp, sha256, length) = await HashingTempFile.WriteAsync(content, _root, maxBytes, cancellationToken);
        var target = PathOf(sha256);
        if (File.Exists(target))
        {
            File.Delete(temp);
            return new StoredBlob(sha256, length, AlreadyExisted: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // rename(2) is atomic; two writers of the same bytes both succeed with the same content.
        File.Move(temp, target, overwrite: true);
        return new StoredBlob(sha256, length, AlreadyExisted: false);
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!HashingTempFile.IsValidName(sha256) || !File.Exists(PathOf(sha256)))
        {
            return Task.FromResult<Stream?>(null);
        }

        try
        {
            Stream stream = new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            return Task.FromResult<Stream?>(stream);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken)
        => Task.FromResult(HashingTempFile.IsValidName(sha256) && File.Exists(PathOf(sha256)));

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        if (HashingTempFile.IsValidName(sha256))
        {
            File.Delete(PathOf(sha256));
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (HashingTempFile.IsValidName(name))
            {
                yield return new BlobInfo(name, new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero));
            }
        }

        await Task.CompletedTask;
    }

    private string PathOf(string sha256) => Path.Combine(_root, sha256[..2], sha256);
}
