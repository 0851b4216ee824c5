using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.AppHost.Resources;
using CraftFlow.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Tests.ApiCaching;

/// <summary>Two API instances sharing one real redis-server: cached reads, evictions on writes, losing Redis.</summary>
[Collection(nameof(ApiCachingTests))]
public sealed class ApiCachingTests(ApiCachingTests.Fixture fixture) : IClassFixture<ApiCachingTests.Fixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_read_is_served_from_cache_until_a_write_through_the_api_evicts_it()
    {
        var (client, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var first = await NameAsync(client, templateId);

        // Behind the API's back: a cached read keeps answering the old name.
        await RenameInDatabaseAsync(templateId, "changed directly");
        Assert.Equal(first, await NameAsync(client, templateId));

        using var patch = await client.PatchAsJsonAsync($"/api/templates/{templateId}", new { name = "renamed" });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("renamed", await NameAsync(client, templateId));
    }

    [Fact]
    public async Task A_write_on_one_instance_is_seen_at_once_by_the_other()
    {
        var (clientA, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        using var clientB = fixture.ApiB.CreateClient();
        clientB.DefaultRequestHeaders.Authorization = clientA.DefaultRequestHeaders.Authorization;
        var listBefore = await ListNamesAsync(clientB);

        await clientA.PatchAsJsonAsync($"/api/templates/{templateId}", new { name = "from A" });
        using var created = await clientA.PostAsync("/api/templates", Fixture.TemplateForm("second"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        Assert.Equal("from A", await Eventually.UntilAsync(() => NameAsync(clientB, templateId), n => n == "from A", Deadline, "B to see A's rename"));
        var listAfter = await Eventually.UntilAsync(() => ListNamesAsync(clientB), l => l.Count == listBefore.Count + 1, Deadline, "B's list to grow");
        Assert.Contains("second", listAfter);
    }

    [Fact]
    public async Task Revoking_a_token_on_one_instance_locks_it_out_of_the_other()
    {
        var (clientA, _) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var created = await ApiFixture.ReadJsonAsync(await clientA.PostAsJsonAsync("/api/auth/tokens", new { name = "laptop" }));
        using var clientB = fixture.ApiB.CreateClient();
        clientB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync("/api/me")).StatusCode); // now cached on B

        await clientA.DeleteAsync($"/api/auth/tokens/{created.GetProperty("id").GetGuid()}");

        await Eventually.UntilAsync(async () => (await clientB.GetAsync("/api/me")).StatusCode, s => s == HttpStatusCode.Unauthorized, Deadline, "B to refuse the revoked token");
    }

    [Fact]
    public async Task Every_write_route_evicts_the_reads_it_changes()
    {
        var (client, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var designId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("a.png", ApiFixture.Png())))))
            .GetProperty("design_ids")[0].GetGuid();

        // Design list and design: upload, patch, delete.
        Assert.Equal(1, await CountAsync(client, "/api/designs"));
        await client.PostAsync("/api/designs", ApiFixture.Files(("b.png", ApiFixture.Png(color: "#102030"))));
        Assert.Equal(2, await CountAsync(client, "/api/designs"));
        Assert.Equal("a", await TitleAsync(client, designId));
        await client.PatchAsJsonAsync($"/api/designs/{designId}", new { title = "patched" });
        Assert.Equal("patched", await TitleAsync(client, designId));
        await client.DeleteAsync($"/api/designs/{designId}");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/designs/{designId}")).StatusCode);
        Assert.Equal(1, await CountAsync(client, "/api/designs"));

        // Templates: delete evicts the template and the list.
        Assert.Equal(1, await CountAsync(client, "/api/templates"));
        await client.DeleteAsync($"/api/templates/{templateId}");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/templates/{templateId}")).StatusCode);
        Assert.Equal(0, await CountAsync(client, "/api/templates"));

        // Mockups: create and delete evict the list and the mockup.
        var (_, otherTemplate) = (client, (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/templates", Fixture.TemplateForm("t2")))).GetProperty("id").GetGuid());
        var liveDesign = (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/designs"))).GetProperty("items")[0].GetProperty("id").GetGuid();
        Assert.Equal(0, await CountAsync(client, "/api/mockups"));
        var mockupId = (await ApiFixture.ReadJsonAsync(await client.PostAsJsonAsync("/api/mockups", new { design_id = liveDesign, template_id = otherTemplate })))
            .GetProperty("mockup").GetProperty("id").GetGuid();
        Assert.Equal(1, await CountAsync(client, "/api/mockups"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/mockups/{mockupId}")).StatusCode);
        await client.DeleteAsync($"/api/mockups/{mockupId}");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/mockups/{mockupId}")).StatusCode);
        Assert.Equal(0, await CountAsync(client, "/api/mockups"));
    }

    [Fact]
    public async Task Clear_routes_evict_own_entries_and_answer_404_for_another_users_ids()
    {
        var (client, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var (stranger, _) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var userId = (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/me"))).GetProperty("id").GetGuid();
        var cachedName = await NameAsync(client, templateId);
        await RenameInDatabaseAsync(templateId, "fresh from the database");
        Assert.Equal(cachedName, await NameAsync(client, templateId));

        using var clearTemplate = await client.PostAsync($"/api/cache/clear/template/{templateId}", null);
        Assert.Equal(HttpStatusCode.OK, clearTemplate.StatusCode);
        Assert.Equal("fresh from the database", await NameAsync(client, templateId));

        await RenameInDatabaseAsync(templateId, "again");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/cache/clear/user/{userId}", null)).StatusCode);
        Assert.Equal("again", await NameAsync(client, templateId));

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/cache/clear/user/{userId}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/cache/clear/template/{templateId}", null)).StatusCode);
    }

    [Fact]
    public async Task Health_and_stats_answer_without_a_token_and_the_clear_routes_do_not()
    {
        using var anonymous = fixture.ApiA.CreateClient();

        using var health = await anonymous.GetAsync("/api/cache/health");
        using var stats = await anonymous.GetAsync("/api/cache/stats");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("healthy", (await ApiFixture.ReadJsonAsync(health)).GetProperty("cache_health").GetProperty("redis").GetString());
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.True((await ApiFixture.ReadJsonAsync(stats)).GetProperty("performance_stats").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/cache/clear/user/{Guid.NewGuid()}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/cache/clear/template/{Guid.NewGuid()}", null)).StatusCode);
    }

    [Fact]
    public async Task An_admin_may_clear_any_users_entries()
    {
        var (seller, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        var sellerId = (await ApiFixture.ReadJsonAsync(await seller.GetAsync("/api/me"))).GetProperty("id").GetGuid();
        var (admin, _) = await fixture.UserWithTemplateAsync(fixture.ApiB);
        var adminId = (await ApiFixture.ReadJsonAsync(await admin.GetAsync("/api/me"))).GetProperty("id").GetGuid();
        await using (var db = fixture.CreateDbContext())
        {
            await db.Users.Where(u => u.Id == adminId).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsAdmin, true));
        }

        // The admin's own token lookup is cached without the role: clearing their own entries picks it up.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/cache/clear/user/{adminId}", null)).StatusCode);
        Assert.True((await ApiFixture.ReadJsonAsync(await admin.GetAsync("/api/me"))).GetProperty("is_admin").GetBoolean());

        await NameAsync(seller, templateId);
        await RenameInDatabaseAsync(templateId, "cleared by an admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/cache/clear/template/{templateId}", null)).StatusCode);
        Assert.Equal("cleared by an admin", await Eventually.UntilAsync(() => NameAsync(seller, templateId), n => n == "cleared by an admin", Deadline, "A to drop the template"));

        await RenameInDatabaseAsync(templateId, "cleared again");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/cache/clear/user/{sellerId}", null)).StatusCode);
        Assert.Equal("cleared again", await Eventually.UntilAsync(() => NameAsync(seller, templateId), n => n == "cleared again", Deadline, "A to drop the user's entries"));
    }

    [Fact]
    public async Task Stats_and_health_use_the_seed_guides_field_names()
    {
        var (client, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        await NameAsync(client, templateId);
        await NameAsync(client, templateId);

        var stats = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/cache/stats"));
        var health = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/cache/health"));

        var performance = stats.GetProperty("performance_stats");
        Assert.True(performance.GetProperty("hits").GetInt64() >= 1);
        Assert.True(performance.GetProperty("misses").GetInt64() >= 1);
        Assert.True(performance.GetProperty("hit_rate_percent").GetDouble() > 0);
        Assert.True(performance.GetProperty("redis_available").GetBoolean());
        Assert.True(performance.GetProperty("enabled").GetBoolean());
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(health.TryGetProperty("last_check", out _));
        var cacheHealth = health.GetProperty("cache_health");
        Assert.Equal("healthy", cacheHealth.GetProperty("redis").GetString());
        Assert.True(cacheHealth.TryGetProperty("memory", out _));
        Assert.True(cacheHealth.TryGetProperty("overall", out _));
    }

    private static async Task<string?> NameAsync(HttpClient client, Guid templateId)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/templates/{templateId}"))).GetProperty("name").GetString();

    private static async Task<List<string?>> ListNamesAsync(HttpClient client)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/templates"))).EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();

    private static async Task<string?> TitleAsync(HttpClient client, Guid designId)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{designId}"))).GetProperty("title").GetString();

    private static async Task<int> CountAsync(HttpClient client, string path)
    {
        var body = await ApiFixture.ReadJsonAsync(await client.GetAsync(path));
        return (body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("items")).GetArrayLength();
    }

    private async Task RenameInDatabaseAsync(Guid templateId, string name)
    {
        await using var db = fixture.CreateDbContext();
        await db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(t => t.SetProperty(x => x.Name, name));
    }

    public sealed class Fixture : ApiFixture
    {
        private readonly string _redisDirectory = Path.Combine(Path.GetTempPath(), $"craftflow-redis-{Guid.NewGuid():N}");

        public RedisServer Redis { get; private set; } = null!;

        public ApiFactory ApiA => Api;

        public ApiFactory ApiB { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["ConnectionStrings:cache"] = Redis.ConnectionString,
        };

        public override async Task InitializeAsync()
        {
            Redis = await RedisServer.StartAsync(_redisDirectory, persistent: false);
            await base.InitializeAsync();
            ApiB = new ApiFactory(ConnectionString, Settings);
        }

        public override async Task DisposeAsync()
        {
            try
            {
                await ApiB.DisposeAsync();
                await base.DisposeAsync();
            }
            finally
            {
                // Whatever failed above, no redis-server outlives the tests.
                await Redis.DisposeAsync();
                Directory.Delete(_redisDirectory, recursive: true);
            }
        }

        public async Task<(HttpClient Client, Guid TemplateId)> UserWithTemplateAsync(ApiFactory api)
        {
            var client = api.CreateClient();
            using var register = await client.PostAsJsonAsync("/api/auth/register", new { email = $"cache-{Guid.NewGuid():N}@example.com", password = "password123" });
            var token = (await ReadJsonAsync(register)).GetProperty("token").GetProperty("token").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var template = await ReadJsonAsync(await client.PostAsync("/api/templates", TemplateForm("Tee")));
            return (client, template.GetProperty("id").GetGuid());
        }

        public static MultipartFormDataContent TemplateForm(string name)
        {
            var form = new MultipartFormDataContent();
            var image = new ByteArrayContent(Png(200, 100, "#eeeeee"));
            image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(image, "image", "t.png");
            form.Add(new StringContent(name), "name");
            foreach (var field in new[] { "print_area_x", "print_area_y" })
            {
                form.Add(new StringContent("0"), field);
            }

            form.Add(new StringContent("50"), "print_area_width");
            form.Add(new StringContent("50"), "print_area_height");
            return form;
        }
    }
}
