using CraftFlow.AppHost.Resources;
using CraftFlow.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Tests.ApiCaching;

/// <summary>The Worker changes what the API has cached (a design's status) and evicts it through Redis.</summary>
public sealed class WorkerEvictionTests(WorkerEvictionTests.Fixture fixture) : IClassFixture<WorkerEvictionTests.Fixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_processed_upload_replaces_the_cached_pending_designs_on_the_api()
    {
        using var client = await fixture.CreateUserClientAsync();
        var upload = await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(
            ("a.png", ApiFixture.Png(color: "#aa0000")), ("b.png", ApiFixture.Png(color: "#00aa00")), ("c.png", ApiFixture.Png(color: "#0000aa")))));
        var ids = upload.GetProperty("design_ids").EnumerateArray().Select(d => d.GetGuid()).ToList();

        // Cached while the Worker is not running yet: every read says pending, and keeps saying it.
        foreach (var id in ids)
        {
            Assert.Equal("pending", await StatusAsync(client, id));
        }

        Assert.All(await ListStatusesAsync(client), s => Assert.Equal("pending", s));
        await using (var db = fixture.CreateDbContext())
        {
            await db.DesignImages.Where(d => ids.Contains(d.Id)).ExecuteUpdateAsync(d => d.SetProperty(x => x.Title, "renamed behind the cache"));
        }

        Assert.Equal("a", await TitleAsync(client, ids[0])); // served from the cache, not the database

        fixture.StartWorker();
        var batchId = upload.GetProperty("batch_id").GetGuid();
        await Eventually.UntilAsync(
            async () => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}"))).GetProperty("status").GetString(),
            s => s == "completed", Deadline, "the upload to be processed");

        // Without the Worker's eviction these reads would say pending for their TTL (600 and 300 s). Flat colours
        // are one design to a perceptual hash, so the later ones end as duplicates of the first.
        foreach (var id in ids)
        {
            await Eventually.UntilAsync(() => StatusAsync(client, id), IsFinished, TimeSpan.FromSeconds(15), $"design {id} to show its outcome");
        }

        await Eventually.UntilAsync(() => ListStatusesAsync(client), l => l.Count == 3 && l.All(IsFinished), TimeSpan.FromSeconds(15), "the gallery to show the outcomes");
    }

    private static bool IsFinished(string? status) => status is "processed" or "duplicate";

    private static async Task<string?> TitleAsync(HttpClient client, Guid id)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{id}"))).GetProperty("title").GetString();

    private static async Task<string?> StatusAsync(HttpClient client, Guid id)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{id}"))).GetProperty("status").GetString();

    private static async Task<List<string?>> ListStatusesAsync(HttpClient client)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/designs"))).GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("status").GetString()).ToList();

    public sealed class Fixture : ApiFixture
    {
        private readonly string _redisDirectory = Path.Combine(Path.GetTempPath(), $"craftflow-redis-{Guid.NewGuid():N}");
        private WorkerFactory? _worker;

        public RedisServer Redis { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["ConnectionStrings:cache"] = Redis.ConnectionString,
        };

        public override async Task InitializeAsync()
        {
            Redis = await RedisServer.StartAsync(_redisDirectory, persistent: false);
            await base.InitializeAsync();
        }

        public void StartWorker()
        {
            _worker ??= new WorkerFactory(ConnectionString, Api.StoragePath, new Dictionary<string, string?> { ["ConnectionStrings:cache"] = Redis.ConnectionString });
            _worker.Start();
        }

        public override async Task DisposeAsync()
        {
            try
            {
                if (_worker is not null)
                {
                    await _worker.DisposeAsync();
                }

                await base.DisposeAsync();
            }
            finally
            {
                await Redis.DisposeAsync();
                Directory.Delete(_redisDirectory, recursive: true);
            }
        }
    }
}
