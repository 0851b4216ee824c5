using System.Collections.Concurrent;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Worker.Designs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftFlow.Tests.Jobs;

/// <summary>The image_processing handler's bookkeeping, with a stand-in processor (no image decoding here).</summary>
public sealed class ProcessDesignBatchHandlerTests(JobQueueFixture database) : IClassFixture<JobQueueFixture>
{
    [Fact]
    public async Task Rerunning_a_batch_job_processes_nothing_twice_and_counts_each_outcome_once()
    {
        await database.ResetAsync();
        var (user, batch, designs) = await SeedAsync(3);
        var processor = new StubProcessor(design => design.Id == designs[1]
            ? new DesignProcessingResult { Status = DesignStatus.Duplicate, DuplicateOfId = designs[0], DuplicateDistance = 3 }
            : design.Id == designs[2]
                ? DesignProcessingResult.Failed("not an image")
                : new DesignProcessingResult { Status = DesignStatus.Processed, Phash = -1, Width = 100, Height = 80 });
        var handler = CreateHandler(processor);
        var job = ToJob(Assert.Single(ProcessDesignBatchJob.Create(user, batch, designs)));
        Assert.StartsWith($"{{\"upload_batch_id\":\"{batch}\",\"design_ids\":[", job.Payload, StringComparison.Ordinal);

        await handler.HandleAsync(job, CancellationToken.None);
        await handler.HandleAsync(job, CancellationToken.None);

        Assert.Equal(3, processor.Calls.Count);
        await using var db = database.CreateDbContext();
        var counters = await db.UploadBatches.SingleAsync();
        Assert.Equal((1, 1, 1), (counters.Processed, counters.Duplicates, counters.Failed));
        Assert.NotNull(counters.CompletedAt);
        var rows = await db.DesignImages.ToDictionaryAsync(d => d.Id);
        var statuses = designs.Select(id => rows[id]).ToList();
        Assert.Equal([DesignStatus.Processed, DesignStatus.Duplicate, DesignStatus.Failed], statuses.Select(s => s.Status));
        Assert.Equal(-1, statuses[0].Phash);
        Assert.Equal(designs[0], statuses[1].DuplicateOfId);
        Assert.Equal("not an image", statuses[2].StatusReason);
    }

    [Fact]
    public async Task Concurrent_jobs_and_duplicate_runs_of_one_upload_add_up_exactly()
    {
        await database.ResetAsync();
        var (user, batch, designs) = await SeedAsync(40);
        var handler = CreateHandler(new StubProcessor(_ => new DesignProcessingResult { Status = DesignStatus.Processed }));
        var jobs = ProcessDesignBatchJob.Create(user, batch, designs).Select(ToJob).ToList();
        Assert.Equal(4, jobs.Count);

        // Every job runs twice at once, as when a rescued job's first worker was only slow, not dead.
        await Task.WhenAll(jobs.Concat(jobs).Select(job => Task.Run(() => handler.HandleAsync(job, CancellationToken.None))));

        await using var db = database.CreateDbContext();
        var counters = await db.UploadBatches.SingleAsync();
        Assert.Equal((40, 0, 0), (counters.Processed, counters.Duplicates, counters.Failed));
        Assert.NotNull(counters.CompletedAt);
        Assert.Equal(40, await db.DesignImages.CountAsync(d => d.Status == DesignStatus.Processed));
    }

    [Fact]
    public async Task Processor_error_is_retried_until_the_last_attempt_which_fails_the_design_and_finishes_the_batch()
    {
        await database.ResetAsync();
        var (user, batch, designs) = await SeedAsync(2);
        var handler = CreateHandler(new StubProcessor(design => design.Id == designs[0]
            ? throw new IOException("storage unreachable")
            : new DesignProcessingResult { Status = DesignStatus.Processed }));
        var job = ToJob(Assert.Single(ProcessDesignBatchJob.Create(user, batch, designs)));

        job.Attempt = 1;
        await Assert.ThrowsAsync<IOException>(() => handler.HandleAsync(job, CancellationToken.None));
        await using (var db = database.CreateDbContext())
        {
            Assert.Equal(DesignStatus.Processing, (await db.DesignImages.SingleAsync(d => d.Id == designs[0])).Status);
        }

        job.Attempt = job.MaxAttempts;
        await handler.HandleAsync(job, CancellationToken.None);

        await using (var db = database.CreateDbContext())
        {
            var counters = await db.UploadBatches.SingleAsync();
            Assert.Equal((1, 0, 1), (counters.Processed, counters.Duplicates, counters.Failed));
            Assert.NotNull(counters.CompletedAt);
            Assert.Contains("storage unreachable", (await db.DesignImages.SingleAsync(d => d.Id == designs[0])).StatusReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Analyses_run_side_by_side_but_judgements_follow_upload_order()
    {
        await database.ResetAsync();
        var (user, batch, designs) = await SeedAsync(10);
        var judged = new ConcurrentQueue<Guid>();
        var running = 0;
        var mostAtOnce = 0;
        var processor = new OrderProbe(designs[0], judged, () =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            return () => Interlocked.Decrement(ref running);
        });
        var handler = CreateHandler(processor);
        var job = ToJob(Assert.Single(ProcessDesignBatchJob.Create(user, batch, designs)));

        await handler.HandleAsync(job, CancellationToken.None);

        // The first design's analysis is the slowest; it is judged first all the same.
        Assert.Equal(designs, judged.ToArray());
        Assert.Equal(Math.Min(Environment.ProcessorCount, 10), mostAtOnce);
        await using var db = database.CreateDbContext();
        var counters = await db.UploadBatches.SingleAsync();
        Assert.Equal((10, 0, 0), (counters.Processed, counters.Duplicates, counters.Failed));
        Assert.NotNull(counters.CompletedAt);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private ProcessDesignBatchHandler CreateHandler(IDesignProcessor processor)
        => new(database.DataSource, processor, new UserJudgementLock(database.DataSource), new CraftFlow.Caching.CacheInvalidation(new ZiggyCreatures.Caching.Fusion.FusionCache(new ZiggyCreatures.Caching.Fusion.FusionCacheOptions())), TimeProvider.System, NullLogger<ProcessDesignBatchHandler>.Instance);

    /// <summary>Holds the first design's analysis until every other analysis has started, and records the judging order.</summary>
    private sealed class OrderProbe(Guid slow, ConcurrentQueue<Guid> judged, Func<Action> enter) : IDesignProcessor
    {
        private readonly TaskCompletionSource _othersStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public async Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken)
        {
            var leave = enter();
            try
            {
                if (Interlocked.Increment(ref _started) >= Math.Min(Environment.ProcessorCount, 10))
                {
                    _othersStarted.TrySetResult();
                }

                if (design.Id == slow)
                {
                    await _othersStarted.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                }
                else
                {
                    await Task.Yield();
                }
            }
            finally
            {
                leave();
            }

            return new AnalyzedDesign(_ =>
            {
                judged.Enqueue(design.Id);
                return Task.FromResult(new DesignProcessingResult { Status = DesignStatus.Processed });
            });
        }
    }

    /// <summary>A job as a consumer hands it to its handler (claimed, first attempt).</summary>
    internal static Job ToJob(NewJob job) => new()
    {
        Id = job.Id,
        Queue = job.Queue,
        Kind = job.Kind,
        Payload = job.Payload,
        UserId = job.UserId,
        State = JobState.Running,
        Attempt = 1,
    };

    private async Task<(Guid User, Guid Batch, Guid[] Designs)> SeedAsync(int count)
    {
        await using var db = database.CreateDbContext();
        var user = new User { Email = $"{Guid.NewGuid():N}@example.com", PasswordHash = "x" };
        var batch = new UploadBatch { UserId = user.Id, TotalFiles = count, Received = count };
        db.Users.Add(user);
        db.UploadBatches.Add(batch);
        var designs = Enumerable.Range(0, count).Select(i => new DesignImage
        {
            UserId = user.Id,
            UploadBatchId = batch.Id,
            Title = $"design {i}",
            OriginalFileName = $"d{i}.png",
            ContentType = "image/png",
            Sha256 = new string('a', 63) + (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        db.DesignImages.AddRange(designs);
        await db.SaveChangesAsync();
        return (user.Id, batch.Id, designs.Select(d => d.Id).Order().ToArray());
    }

    private sealed class StubProcessor(Func<DesignToProcess, DesignProcessingResult> decide) : IDesignProcessor
    {
        public ConcurrentBag<Guid> Calls { get; } = [];

        public Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken)
        {
            Calls.Add(design.Id);
            return Task.FromResult(AnalyzedDesign.Finished(decide(design)));
        }
    }
}
