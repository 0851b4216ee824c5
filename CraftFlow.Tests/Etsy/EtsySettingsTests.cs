using System.Net;
using CraftFlow.Etsy;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Etsy;

/// <summary>Without the Etsy keys the API still starts, and its Etsy routes answer 503; a wrong URL stops start-up.</summary>
public sealed class EtsySettingsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Missing_etsy_keys_disable_the_etsy_routes_with_a_503_naming_the_settings()
    {
        using var client = await fixture.CreateUserClientAsync();
        using var anonymous = fixture.Api.CreateClient();

        foreach (var response in new[]
        {
            await client.GetAsync("/api/connections"),
            await client.PostAsync("/api/connections/etsy/authorize", null),
            await client.GetAsync("/api/listings"),
            await anonymous.GetAsync("/api/connections/etsy/callback?code=a&state=b"),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains(EtsySettings.ClientId, body, StringComparison.Ordinal);
                Assert.Contains(EtsySettings.SharedSecret, body, StringComparison.Ordinal);
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/designs")).StatusCode);
    }

    [Theory]
    [InlineData(EtsySettings.ApiBaseUrl, "api.etsy.com")]
    [InlineData(EtsySettings.OAuthAuthorizeUrl, "ftp://www.etsy.com/oauth/connect")]
    [InlineData(EtsySettings.RedirectUri, "/relative/callback")]
    public async Task A_bad_etsy_url_fails_start_up_naming_the_setting(string setting, string value)
    {
        await using var api = new ApiFactory(fixture.ConnectionString, new Dictionary<string, string?> { [setting] = value });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => api.CreateClient());

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shared_secret_never_appears_in_the_validation_message()
    {
        await using var api = new ApiFactory(fixture.ConnectionString, new Dictionary<string, string?>
        {
            [EtsySettings.ApiBaseUrl] = "not a url",
            [EtsySettings.ClientId] = "key with spaces",
            [EtsySettings.SharedSecret] = "very-secret-value",
        });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => api.CreateClient());

        Assert.Contains(EtsySettings.ClientId, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", error.Message, StringComparison.Ordinal);
    }
}
