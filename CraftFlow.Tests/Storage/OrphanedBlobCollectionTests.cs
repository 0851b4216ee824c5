using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Tests.Infrastructure;
using CraftFlow.Worker.Handlers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Tests.Storage;

public sealed class OrphanedBlobCollectionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Old_unreferenced_files_are_deleted_and_referenced_or_recent_ones_kept()
    {
        await Migrations.MigrateAsync(database.ConnectionString);
        var directory = Path.Combine(Path.GetTempPath(), $"craftflow-gc-{Guid.NewGuid():N}");
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Path = directory }));
        try
        {
            var referenced = await PutAsync(store, "design bytes");
            var thumbnail = await PutAsync(store, "thumbnail bytes");
            var orphan = await PutAsync(store, "refused upload");
            var recentOrphan = await PutAsync(store, "upload in flight");
            foreach (var old in new[] { referenced, thumbnail, orphan })
            {
                File.SetLastWriteTimeUtc(Directory.GetFiles(directory, old, SearchOption.AllDirectories).Single(), DateTime.UtcNow.AddDays(-2));
            }

            await using (var db = database.CreateDbContext())
            {
                var user = new User { Email = $"gc-{Guid.NewGuid():N}@example.com", PasswordHash = "x" };
                db.Users.Add(user);
                db.DesignImages.Add(new DesignImage
                {
                    UserId = user.Id,
                    Title = "t",
                    OriginalFileName = "t.png",
                    ContentType = "image/png",
                    Sha256 = referenced,
                    ThumbnailSha256 = thumbnail,
                });
                await db.SaveChangesAsync();
            }

            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            var handler = new CollectOrphanedBlobsHandler(store, dataSource, TimeProvider.System, NullLogger<CollectOrphanedBlobsHandler>.Instance);
            await handler.HandleAsync(new Job { Queue = JobQueues.Maintenance, Kind = CollectOrphanedBlobsHandler.JobKind, Payload = "{}" }, CancellationToken.None);

            Assert.True(await store.ExistsAsync(referenced, CancellationToken.None));
            Assert.True(await store.ExistsAsync(thumbnail, CancellationToken.None));
            Assert.True(await store.ExistsAsync(recentOrphan, CancellationToken.None));
            Assert.False(await store.ExistsAsync(orphan, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> PutAsync(IBlobStore store, string text)
        => (await store.PutAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text + Guid.NewGuid())), long.MaxValue, CancellationToken.None)).Sha256;
}
