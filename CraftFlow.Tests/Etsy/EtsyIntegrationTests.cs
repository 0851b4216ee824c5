using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CraftFlow.Data;
using CraftFlow.Etsy;
using CraftFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Polly.CircuitBreaker;

namespace CraftFlow.Tests.Etsy;

/// <summary>The Etsy flows end to end: the real API and Worker against the fake Etsy server.</summary>
public sealed class EtsyIntegrationTests(EtsyFixture fixture) : IClassFixture<EtsyFixture>
{
    [Fact]
    public async Task Connect_flow_exchanges_the_code_with_pkce_and_stores_the_shop_with_encrypted_tokens()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var exchangesBefore = fixture.Etsy.Count("token");

        var connection = await fixture.ConnectAsync(client, seller.UserId);

        Assert.Equal(seller.ShopId.ToString(System.Globalization.CultureInfo.InvariantCulture), connection.GetProperty("shop_id").GetString());
        Assert.Equal(seller.ShopName, connection.GetProperty("shop_name").GetString());
        Assert.Equal(seller.UserId, connection.GetProperty("etsy_user_id").GetInt64());
        Assert.True(connection.GetProperty("is_active").GetBoolean());
        var listed = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/connections"));
        Assert.Equal(connection.GetProperty("id").GetGuid(), Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        var expiresAt = connection.GetProperty("token_expires_at").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        // me and shop were read with the issued token; the code was redeemed once, with the verifier.
        Assert.Equal(1, fixture.Etsy.Count("token") - exchangesBefore);
    }

    [Fact]
    public async Task Tokens_are_unreadable_in_the_database_without_the_data_protection_key()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var issued = Assert.Single(fixture.Etsy.AccessTokensOf(seller.UserId));

        var (access, refresh) = await ReadStoredTokensAsync(connectionId);

        Assert.DoesNotContain(issued, access, StringComparison.Ordinal);
        Assert.DoesNotContain(seller.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), access, StringComparison.Ordinal);
        var elsewhere = Path.Combine(Path.GetTempPath(), $"craftflow-dp-{Guid.NewGuid():N}");
        try
        {
            var stranger = new EtsySecretProtector(DataProtectionProvider.Create(new DirectoryInfo(elsewhere), b => b.SetApplicationName(EtsySecretProtector.ApplicationName)));
            Assert.ThrowsAny<CryptographicException>(() => stranger.UnprotectToken(access));
            Assert.ThrowsAny<CryptographicException>(() => stranger.UnprotectToken(refresh));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }

        // The key ring in PostgreSQL is what decrypts: a process of its own that reads it gets the token back.
        var services = new ServiceCollection();
        services.AddDbContext<CraftFlowDbContext>(o => DataServiceExtensions.ConfigureDbContext(o, DatabaseConnection.ApplyDefaults(fixture.ConnectionString)));
        services.AddDataProtection().SetApplicationName(EtsySecretProtector.ApplicationName).PersistKeysToDbContext<CraftFlowDbContext>();
        await using var provider = services.BuildServiceProvider();
        Assert.Equal(issued, new EtsySecretProtector(provider.GetRequiredService<IDataProtectionProvider>()).UnprotectToken(access));
    }

    [Fact]
    public async Task Tokens_the_key_ring_cannot_decrypt_fail_the_listing_and_mark_the_connection_for_reconnecting()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(30, 60, "#776655"));
        var elsewhere = Path.Combine(Path.GetTempPath(), $"craftflow-dp-{Guid.NewGuid():N}");
        try
        {
            // Encrypted under a key this system never had: what a lost or replaced key ring leaves behind.
            var foreign = new EtsySecretProtector(DataProtectionProvider.Create(new DirectoryInfo(elsewhere), b => b.SetApplicationName(EtsySecretProtector.ApplicationName)));
            await ExecuteAsync(
                "UPDATE platform_connections SET access_token_encrypted = @token WHERE id = @id",
                ("token", foreign.ProtectToken(Assert.Single(fixture.Etsy.AccessTokensOf(seller.UserId)))), ("id", connectionId));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }

        var (listingId, _) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Lost key tee"));
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "failed");

        Assert.Contains("reconnect the shop", listing.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        var connection = Assert.Single((await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/connections"))).EnumerateArray());
        Assert.False(connection.GetProperty("is_active").GetBoolean());
        Assert.Contains("cannot be decrypted", connection.GetProperty("inactive_reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Etsy.Listings, l => l.Title == "Lost key tee");
    }

    [Fact]
    public async Task A_reused_expired_foreign_or_declined_state_is_a_400()
    {
        using var client = await fixture.CreateUserClientAsync();
        using var browser = fixture.Api.CreateClient();
        var seller = fixture.AddSeller();

        var first = await AuthorizeAsync(client);
        var callback = await fixture.ConsentAsync(first.AuthorizeUrl, seller.UserId);
        using (var ok = await browser.GetAsync(callback))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var reused = await browser.GetAsync(callback);
        await AssertBadCallbackAsync(reused, "already used");

        using var foreign = await browser.GetAsync($"/api/connections/etsy/callback?code=abc&state={Pkce.CreateState()}");
        await AssertBadCallbackAsync(foreign, "unknown");

        var late = await AuthorizeAsync(client);
        var lateCallback = await fixture.ConsentAsync(late.AuthorizeUrl, seller.UserId);
        await ExecuteAsync("UPDATE etsy_oauth_states SET expires_at = now() - interval '1 second' WHERE state_hash = @hash", ("hash", Pkce.HashState(late.State)));
        using var expired = await browser.GetAsync(lateCallback);
        await AssertBadCallbackAsync(expired, "expired");

        var declined = await AuthorizeAsync(client);
        using var denied = await browser.GetAsync($"/api/connections/etsy/callback?error=access_denied&error_description=The+user+denied+the+request&state={declined.State}");
        await AssertBadCallbackAsync(denied, "The user denied the request");
        Assert.Single((await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/connections"))).EnumerateArray());
    }

    [Fact]
    public async Task Publishing_a_design_creates_one_draft_with_its_image_and_shows_etsys_id_state_and_url()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var png = ApiFixture.Png(120, 90, "#cc6633");
        var designId = await fixture.UploadDesignAsync(client, png);

        var (listingId, jobId) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Sunset tee one"));
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        var draft = Assert.Single(fixture.Etsy.Listings, l => l.Title == "Sunset tee one");
        Assert.Equal(seller.ShopId, draft.ShopId);
        Assert.Equal(24.50m, draft.Price);
        Assert.Equal(["sunset", "retro tee", "gift"], draft.Tags);
        Assert.Equal("made_to_order", draft.WhenMade);
        var image = Assert.Single(draft.Images);
        Assert.Equal(png, image.Bytes);
        Assert.Equal(draft.ListingId, listing.GetProperty("etsy_listing_id").GetInt64());
        Assert.Equal("draft", listing.GetProperty("etsy_state").GetString());
        Assert.Equal($"https://www.etsy.com/listing/{draft.ListingId}", listing.GetProperty("etsy_url").GetString());
        Assert.Equal(jobId, listing.GetProperty("job_id").GetGuid());
        Assert.Equal("i_did", listing.GetProperty("draft").GetProperty("who_made").GetString());
        await WaitForJobStateAsync(client, jobId, "completed");
        var all = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/listings"));
        Assert.Equal(listingId, Assert.Single(all.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Publishing_a_mockup_uploads_the_rendered_jpeg()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(100, 100, "#3366cc"));
        var mockupId = await RenderMockupAsync(client, designId);
        var draft = EtsyFixture.Draft(connectionId, designId, "Mockup tee");
        draft.Remove("design_id");
        draft["mockup_id"] = mockupId;

        var (listingId, _) = await fixture.PublishAsync(client, draft);
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        var image = Assert.Single(Assert.Single(fixture.Etsy.Listings, l => l.Title == "Mockup tee").Images);
        Assert.Equal("image/jpeg", image.ContentType);
        Assert.Equal(await (await client.GetAsync($"/api/mockups/{mockupId}/image")).Content.ReadAsByteArrayAsync(), image.Bytes);
        Assert.Equal(mockupId, listing.GetProperty("mockup_id").GetGuid());
    }

    [Fact]
    public async Task A_listing_etsy_refuses_fails_with_etsys_error_text_and_is_not_retried()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(90, 30, "#123456"));
        var createsBefore = fixture.Etsy.Count("create");
        var draft = EtsyFixture.Draft(connectionId, designId, "Unknown category tee");
        draft["taxonomy_id"] = 999_999;

        var (listingId, jobId) = await fixture.PublishAsync(client, draft);
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "failed");

        Assert.Contains("Taxonomy ID 999999 is not a valid seller taxonomy.", listing.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        await WaitForJobStateAsync(client, jobId, "completed");
        Assert.Equal(1, fixture.Etsy.Count("create") - createsBefore);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listing.GetProperty("etsy_listing_id").ValueKind);
    }

    [Fact]
    public async Task Invalid_createDraftListing_fields_are_a_400_with_field_errors_and_nothing_is_queued()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();

        using var response = await client.PostAsJsonAsync("/api/listings", new
        {
            connection_id = connectionId,
            design_id = Guid.NewGuid(),
            title = "Two %% signs",
            price = 0,
            quantity = 1,
            who_made = "a_robot",
            when_made = "last_tuesday",
            tags = new[] { "fine", "no,commas" },
            type = "physical",
        }, ApiFixture.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ApiFixture.ReadJsonAsync(response)).GetProperty("errors");
        foreach (var field in new[] { "title", "description", "price", "who_made", "when_made", "taxonomy_id", "shipping_profile_id", "tags" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        Assert.Contains("i_did", errors.GetProperty("who_made")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/listings"))).EnumerateArray());
        // The listing and its job are written in one transaction: no listing row, no job.
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM etsy_listings WHERE connection_id = @id", ("id", connectionId)));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_retried_after_the_given_seconds_and_publishes_once()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(64, 64, "#118844"));
        var createsBefore = fixture.Etsy.Count("create");
        fixture.Etsy.Fail("create", HttpStatusCode.TooManyRequests, retryAfterSeconds: 1);

        var (listingId, _) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Rate limited tee"));
        await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        var creates = fixture.Etsy.Requests.Where(r => r.Operation == "create").Skip(createsBefore).ToList();
        Assert.Equal(2, creates.Count);
        Assert.True(creates[1].At - creates[0].At >= TimeSpan.FromSeconds(0.9), $"retried after {(creates[1].At - creates[0].At).TotalMilliseconds} ms");
        Assert.Single(fixture.Etsy.Listings, l => l.Title == "Rate limited tee");
    }

    [Fact]
    public async Task A_500_is_retried_for_a_read_but_not_for_the_create_which_the_next_run_looks_up_first()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var shopsBefore = fixture.Etsy.Count("shop");
        fixture.Etsy.Fail("shop", HttpStatusCode.InternalServerError);
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        Assert.Equal(2, fixture.Etsy.Count("shop") - shopsBefore);
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(66, 44, "#446688"));
        var createsBefore = fixture.Etsy.Count("create");
        var lookupsBefore = fixture.Etsy.Count("drafts");
        fixture.Etsy.Fail("create", HttpStatusCode.InternalServerError);

        var (listingId, jobId) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Server error tee"));
        await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        // One create per job run: the HTTP layer did not repeat the POST; the second run looked for a draft first.
        Assert.Equal(2, fixture.Etsy.Count("create") - createsBefore);
        Assert.Equal(1, fixture.Etsy.Count("drafts") - lookupsBefore);
        Assert.Single(fixture.Etsy.Listings, l => l.Title == "Server error tee");
        var job = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/jobs/{jobId}"));
        Assert.Equal(2, job.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task An_expired_access_token_during_publishing_is_refreshed_once_and_the_call_retried()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(80, 40, "#884411"));
        var (storedBefore, _) = await ReadStoredTokensAsync(connectionId);
        fixture.Etsy.ExpireAccessTokens();

        var (listingId, _) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Expired token tee"));
        await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        Assert.Single(fixture.Etsy.Listings, l => l.Title == "Expired token tee");
        var (storedAfter, _) = await ReadStoredTokensAsync(connectionId);
        Assert.NotEqual(storedBefore, storedAfter);
        Assert.Equal(2, fixture.Etsy.AccessTokensOf(seller.UserId).Count);
        Assert.Contains(fixture.Etsy.AccessTokensOf(seller.UserId), fixture.Etsy.IsCurrentAccessToken);
    }

    [Fact]
    public async Task The_maintenance_job_refreshes_tokens_expiring_within_ten_minutes_and_marks_refused_ones_inactive()
    {
        using var client = await fixture.CreateUserClientAsync();
        var kept = fixture.AddSeller();
        var revoked = fixture.AddSeller();
        var later = fixture.AddSeller();
        var keptId = (await fixture.ConnectAsync(client, kept.UserId)).GetProperty("id").GetGuid();
        var revokedId = (await fixture.ConnectAsync(client, revoked.UserId)).GetProperty("id").GetGuid();
        var laterId = (await fixture.ConnectAsync(client, later.UserId)).GetProperty("id").GetGuid();
        fixture.Etsy.RevokeRefreshTokens(revoked.UserId);
        var (laterToken, _) = await ReadStoredTokensAsync(laterId);

        await ExecuteAsync(
            "UPDATE platform_connections SET token_expires_at = now() + interval '5 minutes' WHERE id = ANY(@ids)",
            ("ids", new[] { keptId, revokedId }));

        await Eventually.UntilAsync(
            async () => await ScalarAsync<bool>("SELECT token_expires_at > now() + interval '50 minutes' FROM platform_connections WHERE id = @id", ("id", keptId)),
            refreshed => refreshed, EtsyFixture.Deadline, "the expiring connection to be refreshed");
        var connections = await Eventually.UntilAsync(
            async () => (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/connections"))).EnumerateArray().ToList(),
            list => list.Any(c => c.GetProperty("id").GetGuid() == revokedId && !c.GetProperty("is_active").GetBoolean()),
            EtsyFixture.Deadline, "the refused connection to be marked inactive");

        var inactive = connections.Single(c => c.GetProperty("id").GetGuid() == revokedId);
        Assert.Contains("refresh_token is invalid or revoked", inactive.GetProperty("inactive_reason").GetString(), StringComparison.Ordinal);
        Assert.True(connections.Single(c => c.GetProperty("id").GetGuid() == keptId).GetProperty("is_active").GetBoolean());
        Assert.Equal(laterToken, (await ReadStoredTokensAsync(laterId)).Access);
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(50, 50, "#555599"));
        using var refused = await client.PostAsJsonAsync("/api/listings", EtsyFixture.Draft(revokedId, designId), ApiFixture.Json);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }

    [Fact]
    public async Task The_expiry_query_of_the_refresh_job_uses_idx_platform_connections_expiry()
    {
        await using var connection = await fixture.OpenConnectionAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand(
            "EXPLAIN SELECT id FROM platform_connections WHERE token_expires_at IS NOT NULL AND token_expires_at < now() + interval '10 minutes' AND is_active ORDER BY token_expires_at LIMIT 100",
            connection);
        var plan = string.Join('\n', await ReadAllAsync(explain));

        Assert.Contains("idx_platform_connections_expiry", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listing_whose_every_attempt_meets_an_unreadable_answer_fails_with_the_reason_and_does_not_stay_publishing()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(64, 48, "#335577"));
        var createsBefore = fixture.Etsy.Count("create");
        fixture.Etsy.Garble("create", times: 4);

        var (listingId, jobId) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Garbled tee"));
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "failed");

        Assert.StartsWith("Publishing failed:", listing.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        await WaitForJobStateAsync(client, jobId, "discarded");
        Assert.Equal(4, fixture.Etsy.Count("create") - createsBefore);
        Assert.DoesNotContain(fixture.Etsy.Listings, l => l.Title == "Garbled tee");
    }

    [Fact]
    public async Task A_crash_between_etsys_answer_and_our_commit_does_not_make_a_second_listing()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(70, 70, "#993377"));
        var createsBefore = fixture.Etsy.Count("create");
        fixture.Etsy.LoseAnswer("create");

        var (listingId, _) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Crash tee"));
        await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Etsy.Listings.Count(l => l.Title == "Crash tee")), n => n == 1, EtsyFixture.Deadline,
            "Etsy to create the draft");
        await fixture.RestartWorkerAsync();
        var listing = await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        var draft = Assert.Single(fixture.Etsy.Listings, l => l.Title == "Crash tee");
        Assert.Equal(draft.ListingId, listing.GetProperty("etsy_listing_id").GetInt64());
        Assert.Single(draft.Images);
        Assert.Equal(1, fixture.Etsy.Count("create") - createsBefore);
        Assert.True(fixture.Etsy.Count("drafts") >= 1);
    }

    [Fact]
    public async Task A_slow_answer_is_cut_by_the_attempt_timeout_and_a_read_retried()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var before = fixture.Etsy.Count("me");
        fixture.Etsy.Delay("me", TimeSpan.FromSeconds(10));

        var connection = await fixture.ConnectAsync(client, seller.UserId);

        Assert.Equal(seller.ShopName, connection.GetProperty("shop_name").GetString());
        Assert.Equal(2, fixture.Etsy.Count("me") - before);
    }

    [Fact]
    public async Task Another_users_connection_and_listing_ids_answer_404()
    {
        using var owner = await fixture.CreateUserClientAsync();
        using var other = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(owner, seller.UserId)).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(owner, ApiFixture.Png(60, 60, "#224466"));
        var (listingId, _) = await fixture.PublishAsync(owner, EtsyFixture.Draft(connectionId, designId, "Owner's tee"));
        var otherSeller = fixture.AddSeller();
        var otherConnectionId = (await fixture.ConnectAsync(other, otherSeller.UserId)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/listings/{listingId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/connections/{connectionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync("/api/listings", EtsyFixture.Draft(connectionId, designId), ApiFixture.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync("/api/listings", EtsyFixture.Draft(otherConnectionId, designId), ApiFixture.Json)).StatusCode);
        Assert.DoesNotContain(
            (await ApiFixture.ReadJsonAsync(await other.GetAsync("/api/listings"))).EnumerateArray(),
            l => l.GetProperty("id").GetGuid() == listingId);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/listings/{listingId}")).StatusCode);
    }

    [Fact]
    public async Task Disconnecting_erases_the_tokens_and_the_connection_is_gone()
    {
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var connectionId = (await fixture.ConnectAsync(client, seller.UserId)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/connections/{connectionId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/connections/{connectionId}")).StatusCode);
        Assert.Empty((await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/connections"))).EnumerateArray());
        Assert.Equal(0L, await ScalarAsync<long>(
            "SELECT count(*) FROM platform_connections WHERE id = @id AND (access_token_encrypted IS NOT NULL OR refresh_token_encrypted IS NOT NULL)",
            ("id", connectionId)));
    }

    [Fact]
    public async Task The_circuit_opens_after_repeated_failures_and_calls_stop_reaching_etsy()
    {
        await using var etsy = await FakeEtsy.StartAsync();
        var settings = EtsyFixture.EtsySettingsFor(etsy);
        settings["Etsy:Http:Retry:MaxRetryAttempts"] = "1";
        settings["Etsy:Http:CircuitBreaker:MinimumThroughput"] = "4";
        settings["Etsy:Http:CircuitBreaker:FailureRatio"] = "0.5";
        settings["Etsy:Http:CircuitBreaker:BreakDuration"] = "00:01:00";
        await using var api = new ApiFactory(fixture.ConnectionString, settings);
        etsy.Fail("me", HttpStatusCode.InternalServerError, times: 100);
        using var scope = api.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<EtsyClient>();

        var outcomes = new List<Exception>();
        for (var i = 0; i < 8; i++)
        {
            outcomes.Add(await Assert.ThrowsAnyAsync<Exception>(() => client.GetMeAsync("1.token", CancellationToken.None)));
        }

        Assert.IsType<EtsyApiException>(outcomes[0]);
        Assert.InRange(outcomes.FindIndex(e => e is BrokenCircuitException), 1, 7);
        var reached = etsy.Count("me");
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetMeAsync("1.token", CancellationToken.None));
        }

        Assert.Equal(reached, etsy.Count("me"));
    }

    [Fact]
    public async Task Neither_the_shared_secret_nor_any_token_or_code_appears_in_the_logs()
    {
        using var logs = new LogCapture();
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        var authorize = await AuthorizeAsync(client);
        var callback = await fixture.ConsentAsync(authorize.AuthorizeUrl, seller.UserId);
        using var browser = fixture.Api.CreateClient();
        var connectionId = (await ApiFixture.ReadJsonAsync(await browser.GetAsync(callback))).GetProperty("id").GetGuid();
        var designId = await fixture.UploadDesignAsync(client, ApiFixture.Png(40, 40, "#aa2277"));
        fixture.Etsy.ExpireAccessTokens();
        var (listingId, _) = await fixture.PublishAsync(client, EtsyFixture.Draft(connectionId, designId, "Quiet logs tee"));
        await EtsyFixture.WaitForListingAsync(client, listingId, "published");

        var code = System.Web.HttpUtility.ParseQueryString(new Uri(new Uri("http://localhost"), callback).Query)["code"]!;
        var secrets = fixture.Etsy.AccessTokensOf(seller.UserId).Concat(fixture.Etsy.RefreshTokensOf(seller.UserId))
            .Append(FakeEtsy.SharedSecret).Append(code).Append(authorize.State).ToList();
        Assert.Equal(2, fixture.Etsy.AccessTokensOf(seller.UserId).Count);
        // What the services' configuration lets through: appsettings.json keeps Microsoft.AspNetCore at Warning, as
        // its request log at Information carries query strings, the callback's single-use code among them.
        var written = logs.Messages
            .Where(m => m.Level >= Microsoft.Extensions.Logging.LogLevel.Warning || !m.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(written, m => m.Text.Contains(listingId.ToString(), StringComparison.Ordinal));
        Assert.Contains(written, m => m.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(written, m => m.Text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Each_logical_etsy_call_is_a_span_over_the_http_attempts()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name is "CraftFlow" or "System.Net.Http",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var client = await fixture.CreateUserClientAsync();
        var seller = fixture.AddSeller();
        fixture.Etsy.Fail("me", HttpStatusCode.ServiceUnavailable);

        await fixture.ConnectAsync(client, seller.UserId);

        var getMe = Assert.Single(spans, a => a.DisplayName == "etsy get_me" && a.Duration > TimeSpan.Zero && HasChildCalls(spans, a, 2));
        Assert.Equal("get_me", getMe.GetTagItem("etsy.operation"));
        Assert.Contains(spans, a => a.DisplayName == "etsy exchange_code");
        Assert.Contains(spans, a => a.DisplayName == "etsy get_shop" && (long?)a.GetTagItem("etsy.shop_id") == seller.ShopId);
    }

    private static bool HasChildCalls(IEnumerable<System.Diagnostics.Activity> spans, System.Diagnostics.Activity parent, int attempts)
        => spans.Count(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == parent.SpanId) == attempts;

    [Fact]
    public async Task The_rate_limiter_holds_requests_beyond_the_configured_rate()
    {
        await using var limiter = new EtsyRateLimiter(Microsoft.Extensions.Options.Options.Create(new EtsyOptions { RequestsPerSecond = 0.01 }));

        using var first = limiter.Limiter.AttemptAcquire();
        using var second = limiter.Limiter.AttemptAcquire();

        Assert.True(first.IsAcquired);
        Assert.False(second.IsAcquired);
    }

    [Fact]
    public async Task The_fake_refuses_a_keystring_without_its_shared_secret_as_etsy_does()
    {
        using var raw = new HttpClient { BaseAddress = new Uri(fixture.Etsy.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v3/application/users/me");
        request.Headers.TryAddWithoutValidation(EtsyClient.ApiKeyHeader, FakeEtsy.Keystring);

        using var response = await raw.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(FakeEtsy.SharedSecretMissing, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // The queue records completions in batches (JobCompleter): the listing's own row may show the outcome a moment
    // before the job's does.
    private static Task WaitForJobStateAsync(HttpClient client, Guid jobId, string state)
        => Eventually.UntilAsync(
            async () => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/jobs/{jobId}"))).GetProperty("state").GetString(),
            actual => actual == state, EtsyFixture.Deadline, $"job {jobId} to be {state}");

    private static async Task<Guid> RenderMockupAsync(HttpClient client, Guid designId)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(ApiFixture.Png(400, 300, "#ffffff"));
        image.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "shirt.png");
        form.Add(new StringContent("Shirt"), "name");
        foreach (var (field, value) in new[] { ("print_area_x", "100"), ("print_area_y", "50"), ("print_area_width", "200"), ("print_area_height", "200") })
        {
            form.Add(new StringContent(value), field);
        }

        var templateId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/templates", form))).GetProperty("id").GetGuid();
        var accepted = await ApiFixture.ReadJsonAsync(await client.PostAsJsonAsync("/api/mockups", new { design_id = designId, template_id = templateId }));
        var mockupId = accepted.GetProperty("mockup").GetProperty("id").GetGuid();
        await Eventually.UntilAsync(
            async () => (await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/mockups/{mockupId}"))).GetProperty("status").GetString(),
            status => status is "completed", EtsyFixture.Deadline, "the mockup to render");
        return mockupId;
    }

    private async Task<(string AuthorizeUrl, string State)> AuthorizeAsync(HttpClient client)
    {
        var body = await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/connections/etsy/authorize", null));
        var url = body.GetProperty("authorize_url").GetString()!;
        Assert.StartsWith(fixture.Etsy.AuthorizeUrl + "?", url, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", url, StringComparison.Ordinal);
        return (url, body.GetProperty("state").GetString()!);
    }

    private static async Task AssertBadCallbackAsync(HttpResponseMessage response, string reason)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<(string Access, string Refresh)> ReadStoredTokensAsync(Guid connectionId)
    {
        await using var db = fixture.CreateDbContext();
        var row = await db.PlatformConnections.AsNoTracking().SingleAsync(c => c.Id == connectionId);
        return (row.AccessTokenEncrypted!, row.RefreshTokenEncrypted!);
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await fixture.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await fixture.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
