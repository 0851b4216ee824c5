using System.Net;

namespace CraftFlow.Tests.Admin;

public sealed class RequestFiguresTests(DatabaseInsightFixture fixture) : IClassFixture<DatabaseInsightFixture>
{
    [Fact]
    public async Task Admins_see_requests_per_route_with_percentiles_and_others_get_404()
    {
        using var admin = await fixture.CreateAdminClientAsync();
        using var seller = await fixture.CreateUserClientAsync();
        for (var i = 0; i < 5; i++)
        {
            (await seller.GetAsync("/api/me")).EnsureSuccessStatusCode();
        }

        using var forSeller = await seller.GetAsync("/api/admin/requests");
        using var response = await admin.GetAsync("/api/admin/requests");

        Assert.Equal(HttpStatusCode.NotFound, forSeller.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Infrastructure.ApiFixture.ReadJsonAsync(response);
        Assert.True(body.GetProperty("requests").GetInt64() >= 6);
        Assert.Equal(5, body.GetProperty("slow_threshold_seconds").GetDouble());
        var me = body.GetProperty("routes").EnumerateArray().Single(route => route.GetProperty("route").GetString() == "/api/me");
        Assert.True(me.GetProperty("requests").GetInt64() >= 5);
        Assert.True(me.GetProperty("p50_ms").GetDouble() <= me.GetProperty("p99_ms").GetDouble());
    }
}
