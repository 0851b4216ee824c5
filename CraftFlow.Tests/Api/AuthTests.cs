using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CraftFlow.Tests.Api;

public sealed class AuthTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Register_then_login_then_me_returns_the_user()
    {
        using var client = fixture.Api.CreateClient();
        var email = $"Ann-{Guid.NewGuid():N}@Example.com";

        using var register = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough password", display_name = "Ann" });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);

        using var login = await client.PostAsJsonAsync("/api/auth/login", new { email = email.ToUpperInvariant(), password = "long enough password" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await ApiFixture.ReadJsonAsync(login)).GetProperty("token");
        Assert.Equal(43, token.GetProperty("token").GetString()!.Length); // 32 bytes, base64url without padding

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
        using var me = await client.GetAsync("/api/me");
        var body = await ApiFixture.ReadJsonAsync(me);
        Assert.Equal(email.ToLowerInvariant(), body.GetProperty("email").GetString());
        Assert.Equal("Ann", body.GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task Only_the_token_hash_is_stored()
    {
        using var client = await fixture.CreateUserClientAsync();
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;

        await using var db = fixture.CreateDbContext();
        var hashes = db.UserTokens.Select(t => t.TokenHash).ToList();

        Assert.Contains(hashes, h => h.SequenceEqual(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))));
        Assert.DoesNotContain(hashes, h => System.Text.Encoding.UTF8.GetString(h).Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicate_email_is_409_and_bad_input_is_400_with_field_errors()
    {
        using var client = fixture.Api.CreateClient();
        var email = $"dup-{Guid.NewGuid():N}@example.com";
        (await client.PostAsJsonAsync("/api/auth/register", new { email, password = "password123" })).EnsureSuccessStatusCode();

        using var duplicate = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "password123" });
        using var invalid = await client.PostAsJsonAsync("/api/auth/register", new { email = "not-an-email", password = "short" });

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await ApiFixture.ReadJsonAsync(invalid)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Wrong_password_is_401_problem()
    {
        using var client = fixture.Api.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/auth/login", new { email = "nobody@example.com", password = "whatever123" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True((await ApiFixture.ReadJsonAsync(response)).TryGetProperty("correlation_id", out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-a-real-token")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task Missing_or_bad_tokens_get_401(string? authorization)
    {
        using var client = fixture.Api.CreateClient();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Revoked_token_gets_401_at_once_and_other_tokens_keep_working()
    {
        using var client = await fixture.CreateUserClientAsync();
        using var created = await client.PostAsJsonAsync("/api/auth/tokens", new { name = "ci" });
        var second = await ApiFixture.ReadJsonAsync(created);
        using var other = fixture.Api.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/me")).StatusCode);

        using var revoke = await client.DeleteAsync($"/api/auth/tokens/{second.GetProperty("id").GetGuid()}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Expired_token_gets_401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = new ApiFactory(fixture.ConnectionString, new Dictionary<string, string?> { ["Auth:TokenLifetime"] = "01:00:00" }, time);
        using var client = api.CreateClient();
        using var register = await client.PostAsJsonAsync("/api/auth/register", new { email = $"exp-{Guid.NewGuid():N}@example.com", password = "password123" });
        var token = (await ApiFixture.ReadJsonAsync(register)).GetProperty("token").GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Login_attempts_over_the_limit_get_429()
    {
        await using var api = new ApiFactory(fixture.ConnectionString, new Dictionary<string, string?> { ["Auth:AttemptsPerWindow"] = "3" });
        using var client = api.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/auth/login", new { email = "x@example.com", password = "wrong-password" });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }
}
