using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Tests.Imaging;
using CraftFlow.Tests.Jobs;
using CraftFlow.Worker.Designs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Duplicates;

/// <summary>Two Worker processes (each with its own index cache) judging two near-duplicates at the same moment.</summary>
public sealed class ConcurrentJudgementTests(JobQueueFixture database) : IClassFixture<JobQueueFixture>, IDisposable
{
    private static readonly byte[] Original = File.ReadAllBytes(ImagehashFixtures.PathOf("images/base06.png"));
    private static readonly byte[] Resized = File.ReadAllBytes(ImagehashFixtures.PathOf("images/base06__resize50.png"));

    private readonly string _blobRoot = Directory.CreateTempSubdirectory("craftflow-judgement-").FullName;

    [Fact]
    public async Task Two_near_duplicates_judged_at_once_by_two_workers_are_not_both_originals()
    {
        await database.ResetAsync();
        for (int round = 0; round < 3; round++)
        {
            // Each judgement waits (a bounded time) for the other one to arrive too: without the per-user lock both
            // would then judge before either recorded its outcome; with it, the second waits for the first's record.
            var rendezvous = new Rendezvous(2, TimeSpan.FromSeconds(2));
            var workers = new[] { CreateWorker(rendezvous), CreateWorker(rendezvous) };
            var (user, batch, designs) = await SeedAsync(Original, Resized);

            // Both processes have the user's (empty) index loaded already, as after an earlier upload.
            foreach (var worker in workers)
            {
                await worker.Indexes.GetCurrentAsync(user, CancellationToken.None);
            }

            var jobs = OneJobPerDesign(user, batch, designs);
            await Task.WhenAll(workers.Zip(jobs).Select(pair => Task.Run(() => pair.First.Handler.HandleAsync(pair.Second, CancellationToken.None))));

            await using var db = database.CreateDbContext();
            var rows = await db.DesignImages.Where(d => d.UserId == user).ToListAsync();
            var originals = rows.Where(d => d.Status == DesignStatus.Processed).ToList();
            var duplicate = Assert.Single(rows, d => d.Status == DesignStatus.Duplicate);
            Assert.Equal(Assert.Single(originals).Id, duplicate.DuplicateOfId);
            Assert.Equal("duplicate", duplicate.Relation);
            Assert.Equal(duplicate.DuplicateOfId, duplicate.RelatedDesignId);
        }
    }

    [Fact]
    public async Task A_design_deleted_since_the_index_was_loaded_is_no_longer_anyones_original()
    {
        await database.ResetAsync();
        var worker = CreateWorker(rendezvous: null);
        var (user, batch, designs) = await SeedAsync(Original, Resized);
        var jobs = OneJobPerDesign(user, batch, designs);
        await worker.Handler.HandleAsync(jobs[0], CancellationToken.None);

        // Deleted as the API deletes (its timestamp interceptor moves updated_at) while this worker keeps its index.
        await using (var db = database.CreateDbContext())
        {
            var first = await db.DesignImages.SingleAsync(d => d.Id == designs[0]);
            first.IsActive = false;
            first.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync();
        }

        await worker.Handler.HandleAsync(jobs[1], CancellationToken.None);

        await using var check = database.CreateDbContext();
        var second = await check.DesignImages.SingleAsync(d => d.Id == designs[1]);
        Assert.Equal(DesignStatus.Processed, second.Status);
        Assert.Null(second.Relation);
        Assert.Null(second.DuplicateOfId);
    }

    public void Dispose() => Directory.Delete(_blobRoot, recursive: true);

    private static List<Job> OneJobPerDesign(Guid user, Guid batch, Guid[] designs)
        => [.. designs.Select(id => ProcessDesignBatchHandlerTests.ToJob(Assert.Single(ProcessDesignBatchJob.Create(user, batch, [id]))))];

    private FileSystemBlobStore Blobs() => new(Options.Create(new StorageOptions { Path = _blobRoot }));

    private (ProcessDesignBatchHandler Handler, UserArtworkIndexCache Indexes) CreateWorker(Rendezvous? rendezvous)
    {
        var judgementLock = new UserJudgementLock(database.DataSource);
        var indexes = new UserArtworkIndexCache(database.DataSource, judgementLock, TimeProvider.System);
        var imaging = new ImagingOptions();
        var processor = new ImagingDesignProcessor(
            Blobs(), indexes, new AnalysisGate(imaging), Options.Create(imaging), NullLogger<ImagingDesignProcessor>.Instance);
        var handler = new ProcessDesignBatchHandler(
            database.DataSource, rendezvous is null ? processor : new MeetingProcessor(processor, rendezvous), judgementLock,
            new CraftFlow.Caching.CacheInvalidation(new ZiggyCreatures.Caching.Fusion.FusionCache(new ZiggyCreatures.Caching.Fusion.FusionCacheOptions())),
            TimeProvider.System, NullLogger<ProcessDesignBatchHandler>.Instance);
        return (handler, indexes);
    }

    private async Task<(Guid User, Guid Batch, Guid[] Designs)> SeedAsync(params byte[][] files)
    {
        var blobs = Blobs();
        await using var db = database.CreateDbContext();
        var user = new User { Email = $"{Guid.NewGuid():N}@example.com", PasswordHash = "x" };
        var batch = new UploadBatch { UserId = user.Id, TotalFiles = files.Length, Received = files.Length };
        db.Users.Add(user);
        db.UploadBatches.Add(batch);
        var designs = new List<DesignImage>();
        foreach (var file in files)
        {
            var blob = await blobs.PutAsync(new MemoryStream(file), long.MaxValue, CancellationToken.None);
            designs.Add(new DesignImage
            {
                UserId = user.Id,
                UploadBatchId = batch.Id,
                Title = $"design {designs.Count}",
                OriginalFileName = $"d{designs.Count}.png",
                ContentType = "image/png",
                FileSize = file.Length,
                Sha256 = blob.Sha256,
            });
        }

        db.DesignImages.AddRange(designs);
        await db.SaveChangesAsync();
        return (user.Id, batch.Id, designs.Select(d => d.Id).ToArray());
    }

    private sealed class Rendezvous(int parties, TimeSpan patience)
    {
        private readonly CountdownEvent _arrivals = new(parties);

        public void Arrive()
        {
            _arrivals.Signal();
            _arrivals.Wait(patience);
        }
    }

    private sealed class MeetingProcessor(IDesignProcessor inner, Rendezvous rendezvous) : IDesignProcessor
    {
        public async Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken)
        {
            var analyzed = await inner.AnalyzeAsync(design, cancellationToken);
            return new AnalyzedDesign(async ct =>
            {
                await Task.Run(rendezvous.Arrive, ct);
                return await analyzed.JudgeAsync(ct);
            });
        }
    }
}
