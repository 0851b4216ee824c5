using System.Net;
using System.Text.Json;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.ApiCaching;

/// <summary>Losing the redis-server mid-run costs no request; it is used again once it is back.</summary>
[Collection(nameof(ApiCachingTests))]
public sealed class RedisOutageTests(ApiCachingTests.Fixture fixture) : IClassFixture<ApiCachingTests.Fixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Requests_keep_succeeding_health_says_degraded_and_redis_comes_back()
    {
        var (client, templateId) = await fixture.UserWithTemplateAsync(fixture.ApiA);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/templates/{templateId}")).StatusCode);

        fixture.Redis.Kill();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/templates/{templateId}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/templates")).StatusCode);
        }

        using var patch = await client.PatchAsync($"/api/templates/{templateId}", JsonContent("""{"name":"during outage"}"""));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("during outage", (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/templates/{templateId}"))).GetProperty("name").GetString());
        var stats = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/cache/stats"));
        Assert.False(stats.GetProperty("performance_stats").GetProperty("redis_available").GetBoolean());
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await ApiFixture.ReadJsonAsync(health);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal("degraded", body.GetProperty("checks").GetProperty("redis").GetString());

        await fixture.Redis.RestartAsync();

        await Eventually.UntilAsync(
            async () => (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/cache/stats"))).GetProperty("performance_stats").GetProperty("redis_available").GetBoolean(),
            available => available, Deadline, "the API to use Redis again");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
