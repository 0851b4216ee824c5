using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.Etsy;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Etsy;

/// <summary>The fake Etsy, the API configured against it, and a Worker that can be crashed and started again.</summary>
public sealed class EtsyFixture : ApiFixture
{
    public const string RedirectUri = "http://localhost/api/connections/etsy/callback";

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private long _nextSellerId = 81_000_000;

    public FakeEtsy Etsy { get; private set; } = null!;

    public WorkerFactory Worker { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            foreach (var (key, value) in EtsySettingsFor(Etsy))
            {
                settings[key] = value;
            }

            return settings;
        }
    }

    /// <summary>The ETSY_* variables pointing at a fake, and resilience timings a test can wait for.</summary>
    public static Dictionary<string, string?> EtsySettingsFor(FakeEtsy etsy) => new()
    {
        [EtsySettings.ApiBaseUrl] = etsy.BaseUrl,
        [EtsySettings.OAuthAuthorizeUrl] = etsy.AuthorizeUrl,
        [EtsySettings.ClientId] = FakeEtsy.Keystring,
        [EtsySettings.SharedSecret] = FakeEtsy.SharedSecret,
        [EtsySettings.RedirectUri] = RedirectUri,
        ["Etsy:Http:Retry:Delay"] = "00:00:00.050",
        ["Etsy:Http:AttemptTimeout:Timeout"] = "00:00:02",
        // The circuit has a test of its own; here a few injected faults must not open it for the others.
        ["Etsy:Http:CircuitBreaker:MinimumThroughput"] = "1000",
    };

    public override async Task InitializeAsync()
    {
        Etsy = await FakeEtsy.StartAsync();
        await base.InitializeAsync();
        StartWorker();
    }

    public override async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await base.DisposeAsync();
        await Etsy.DisposeAsync();
    }

    /// <summary>Stops the Worker the hard way for a job in flight (its grace period is half a second) and starts another.</summary>
    public async Task RestartWorkerAsync()
    {
        await Worker.DisposeAsync();
        StartWorker();
    }

    /// <summary>A seller on the fake with a shop of their own.</summary>
    public (long UserId, long ShopId, string ShopName) AddSeller()
    {
        var userId = Interlocked.Increment(ref _nextSellerId);
        var shop = (userId, userId + 1_000, $"Shop{userId}");
        Etsy.AddSeller(shop.userId, shop.Item2, shop.Item3);
        return shop;
    }

    /// <summary>The whole connect flow as a seller's browser walks it: authorize, Etsy's consent page, the callback.</summary>
    public async Task<JsonElement> ConnectAsync(HttpClient client, long etsyUserId)
    {
        using var authorize = await client.PostAsync("/api/connections/etsy/authorize", null);
        Assert.Equal(HttpStatusCode.OK, authorize.StatusCode);
        var body = await ReadJsonAsync(authorize);
        var callback = await ConsentAsync(body.GetProperty("authorize_url").GetString()!, etsyUserId);
        using var browser = Api.CreateClient();
        using var completed = await browser.GetAsync(callback);
        Assert.True(completed.StatusCode == HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
        return await ReadJsonAsync(completed);
    }

    /// <summary>Visits Etsy's consent page as the signed-in seller; returns where Etsy redirects (our callback, path and query).</summary>
    public async Task<string> ConsentAsync(string authorizeUrl, long etsyUserId)
    {
        Etsy.SignedInUserId = etsyUserId;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var consent = await browser.GetAsync(authorizeUrl);
        Assert.True(consent.StatusCode == HttpStatusCode.Redirect, await consent.Content.ReadAsStringAsync());
        var location = consent.Headers.Location!;
        Assert.StartsWith(RedirectUri, location.ToString(), StringComparison.Ordinal);
        return location.PathAndQuery;
    }

    public async Task<Guid> UploadDesignAsync(HttpClient client, byte[] png)
    {
        using var upload = await client.PostAsync("/api/designs", Files(("design.png", png)));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var accepted = await ReadJsonAsync(upload);
        var batchId = accepted.GetProperty("batch_id").GetGuid();
        await Eventually.UntilAsync(
            async () => (await ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}"))).GetProperty("status").GetString(),
            status => status is "completed",
            Deadline,
            "the design batch to be processed");
        return accepted.GetProperty("design_ids")[0].GetGuid();
    }

    /// <summary>A valid POST /api/listings body; change or remove fields to make it otherwise.</summary>
    public static Dictionary<string, object?> Draft(Guid connectionId, Guid designId, string title = "Retro sunset tee") => new()
    {
        ["connection_id"] = connectionId,
        ["design_id"] = designId,
        ["title"] = title,
        ["description"] = "A sunset in three colours, printed on soft cotton.",
        ["price"] = 24.50m,
        ["quantity"] = 10,
        ["who_made"] = "i_did",
        ["when_made"] = "made_to_order",
        ["taxonomy_id"] = 482,
        ["shipping_profile_id"] = 150_000_001,
        ["tags"] = new[] { "sunset", "retro tee", "gift" },
        ["type"] = "physical",
    };

    public async Task<(Guid ListingId, Guid JobId)> PublishAsync(HttpClient client, object draft)
    {
        using var response = await client.PostAsJsonAsync("/api/listings", draft, Json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await ReadJsonAsync(response);
        return (body.GetProperty("listing").GetProperty("id").GetGuid(), body.GetProperty("job_id").GetGuid());
    }

    public static Task<JsonElement> WaitForListingAsync(HttpClient client, Guid listingId, string status)
        => Eventually.UntilAsync(
            async () => await ReadJsonAsync(await client.GetAsync($"/api/listings/{listingId}")),
            listing => listing.GetProperty("status").GetString() == status,
            Deadline,
            $"listing {listingId} to be {status}");

    private void StartWorker()
    {
        Worker = new WorkerFactory(ConnectionString, Api.StoragePath, new Dictionary<string, string?>(Settings)
        {
            ["JobQueue:BaseBackoff"] = "00:00:00.200",
            ["JobQueue:ShutdownGracePeriod"] = "00:00:00.500",
            ["Etsy:TokenRefreshInterval"] = "00:00:00.500",
        });
        Worker.Start();
    }
}
