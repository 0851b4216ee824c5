using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CraftFlow.Data.Storage;

/// <summary>
/// Blobs in PostgreSQL, for Railway, where a volume attaches to one service only and the API and the
/// Worker must both read the images. Bytes are written and read in chunks, never a whole file in memory.
/// </summary>
public sealed class PostgresBlobStore(NpgsqlDataSource dataSource, IOptions<StorageOptions> options, TimeProvider timeProvider) : IBlobStore
{
    private readonly int _chunkBytes = options.Value.ChunkBytes;
    private readonly string _spoolDirectory = Path.Combine(Path.GetTempPath(), "craftflow-blob-spool");

    public async Task<StoredBlob> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var (temp, sha256, length) = await HashingTempFile.WriteAsync(content, _spoolDirectory, maxBytes, cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO blobs (sha256, length, created_at) VALUES (@sha, @length, @now) ON CONFLICT (sha256) DO NOTHING",
                connection,
                transaction))
            {
                insert.Parameters.AddWithValue("sha", sha256);
                insert.Parameters.AddWithValue("length", length);
                insert.Parameters.AddWithValue("now", timeProvider.GetUtcNow());
                // A concurrent writer of the same bytes holds the row until it commits; then this inserts nothing.
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return new StoredBlob(sha256, length, AlreadyExisted: true);
                }
            }

            await using (var file = File.OpenRead(temp))
            await using (var chunk = new NpgsqlCommand(
                "INSERT INTO blob_chunks (sha256, sequence, data) VALUES (@sha, @sequence, @data)", connection, transaction))
            {
                var sha = chunk.Parameters.Add("sha", NpgsqlDbType.Varchar);
                var sequence = chunk.Parameters.Add("sequence", NpgsqlDbType.Integer);
                var data = chunk.Parameters.Add("data", NpgsqlDbType.Bytea);
                sha.Value = sha256;
                var buffer = new byte[_chunkBytes];
                for (var index = 0; ; index++)
                {
                    var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    sequence.Value = index;
                    data.Value = new ArraySegment<byte>(buffer, 0, read);
                    await chunk.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            return new StoredBlob(sha256, length, AlreadyExisted: false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!HashingTempFile.IsValidName(sha256))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand("SELECT length FROM blobs WHERE sha256 = @sha");
        command.Parameters.AddWithValue("sha", sha256);
        return await command.ExecuteScalarAsync(cancellationToken) is long length
            ? new ChunkedReadStream(dataSource, sha256, length)
            : null;
    }

    public async Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM blobs WHERE sha256 = @sha");
        command.Parameters.AddWithValue("sha", sha256);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        // Chunks go with their blob (ON DELETE CASCADE).
        await using var command = dataSource.CreateCommand("DELETE FROM blobs WHERE sha256 = @sha");
        command.Parameters.AddWithValue("sha", sha256);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT sha256, created_at FROM blobs");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new BlobInfo(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
        }
    }

    /// <summary>Reads one chunk per round trip as the caller consumes the stream.</summary>
    private sealed class ChunkedReadStream(NpgsqlDataSource dataSource, string sha256, long length) : ForwardOnlyReadStream
    {
        private byte[] _chunk = [];
        private int _offsetInChunk;
        private int _nextSequence;
        private long _position;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offsetInChunk == _chunk.Length)
            {
                if (_position >= length)
                {
                    return 0;
                }

                await using var command = dataSource.CreateCommand("SELECT data FROM blob_chunks WHERE sha256 = @sha AND sequence = @sequence");
                command.Parameters.AddWithValue("sha", sha256);
                command.Parameters.AddWithValue("sequence", _nextSequence++);
                _chunk = await command.ExecuteScalarAsync(cancellationToken) as byte[] ?? [];
                _offsetInChunk = 0;
                if (_chunk.Length == 0)
                {
                    return 0;
                }
            }

            var count = Math.Min(buffer.Length, _chunk.Length - _offsetInChunk);
            _chunk.AsMemory(_offsetInChunk, count).CopyTo(buffer);
            _offsetInChunk += count;
            _position += count;
            return count;
        }
    }
}
