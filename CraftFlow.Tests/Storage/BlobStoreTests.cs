using CraftFlow.Data.Storage;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Tests.Storage;

/// <summary>Both providers behind one contract: content addressing, dedupe, size limits, chunked reads.</summary>
public sealed class BlobStoreTests(BlobStoreTests.Fixture fixture) : IClassFixture<BlobStoreTests.Fixture>
{
    public static TheoryData<StorageProvider> Providers => [StorageProvider.FileSystem, StorageProvider.Postgres];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Large_blob_round_trips_in_chunks_under_its_sha256(StorageProvider provider)
    {
        var store = fixture.Create(provider);
        var bytes = new byte[(3 * 1024 * 1024) + 123];
        Random.Shared.NextBytes(bytes);

        var stored = await store.PutAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), stored.Sha256);
        Assert.False(stored.AlreadyExisted);
        await using var read = await store.OpenReadAsync(stored.Sha256, CancellationToken.None);
        var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Contains(stored.Sha256, await store.ListAsync(CancellationToken.None).Select(b => b.Sha256).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Same_bytes_written_concurrently_are_stored_once(StorageProvider provider)
    {
        var store = fixture.Create(provider);
        var bytes = Guid.NewGuid().ToByteArray().Concat(new byte[200_000]).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.PutAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)));

        Assert.Single(results.Select(r => r.Sha256).Distinct());
        Assert.True(results.Count(r => !r.AlreadyExisted) >= 1);
        Assert.True(await store.ExistsAsync(results[0].Sha256, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Oversize_content_is_refused_and_leaves_nothing(StorageProvider provider)
    {
        var store = fixture.Create(provider);
        var bytes = Guid.NewGuid().ToByteArray().Concat(new byte[10_000]).ToArray();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        await Assert.ThrowsAsync<BlobTooLargeException>(() => store.PutAsync(new MemoryStream(bytes), 5_000, CancellationToken.None));

        Assert.False(await store.ExistsAsync(sha, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Deleted_or_unknown_blobs_read_as_null(StorageProvider provider)
    {
        var store = fixture.Create(provider);
        var stored = await store.PutAsync(new MemoryStream(Guid.NewGuid().ToByteArray()), long.MaxValue, CancellationToken.None);

        await store.DeleteAsync(stored.Sha256, CancellationToken.None);

        Assert.Null(await store.OpenReadAsync(stored.Sha256, CancellationToken.None));
        Assert.Null(await store.OpenReadAsync("../../etc/passwd", CancellationToken.None));
    }

    public sealed class Fixture : DatabaseFixture
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), $"craftflow-blobtest-{Guid.NewGuid():N}");
        private NpgsqlDataSource? _dataSource;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await Migrations.MigrateAsync(ConnectionString);
            _dataSource = NpgsqlDataSource.Create(ConnectionString);
        }

        public override async Task DisposeAsync()
        {
            if (_dataSource is not null)
            {
                await _dataSource.DisposeAsync();
            }

            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }

            await base.DisposeAsync();
        }

        public IBlobStore Create(StorageProvider provider)
        {
            // Small chunks so a 3 MB blob spans several rows.
            var options = Options.Create(new StorageOptions { Provider = provider, Path = _directory, ChunkBytes = 256 * 1024 });
            return provider == StorageProvider.Postgres
                ? new PostgresBlobStore(_dataSource!, options, TimeProvider.System)
                : new FileSystemBlobStore(options);
        }
    }
}
