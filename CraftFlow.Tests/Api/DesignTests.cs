using System.Net;
using System.Net.Http.Json;
using System.Text;
using CraftFlow.Data.Jobs;
using CraftFlow.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Tests.Api;

public sealed class DesignTests(DesignTests.Fixture fixture) : IClassFixture<DesignTests.Fixture>
{
    [Fact]
    public async Task Upload_of_many_files_answers_202_with_a_batch_and_one_job_per_ten_designs()
    {
        using var client = await fixture.CreateUserClientAsync();
        var files = Enumerable.Range(0, 12).Select(i => ($"design-{i}.png", ApiFixture.Png(color: $"#{i:x2}4080"))).ToArray();

        using var response = await client.PostAsync("/api/designs", ApiFixture.Files(files));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await ApiFixture.ReadJsonAsync(response);
        var batchId = accepted.GetProperty("batch_id").GetGuid();
        Assert.Equal(12, accepted.GetProperty("design_ids").GetArrayLength());
        Assert.Equal(2, accepted.GetProperty("job_ids").GetArrayLength());

        var batch = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}"));
        Assert.Equal(12, batch.GetProperty("total_files").GetInt32());
        Assert.Equal(12, batch.GetProperty("pending").GetInt32());
        Assert.Equal("processing", batch.GetProperty("status").GetString());

        await using var db = fixture.CreateDbContext();
        var jobs = (await db.Jobs.Where(j => j.Queue == JobQueues.ImageProcessing).ToListAsync())
            .Where(j => j.Payload.Contains(batchId.ToString(), StringComparison.Ordinal)).ToList();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(JobState.Available, job.State));
        var designs = await db.DesignImages.Where(d => d.UploadBatchId == batchId).ToListAsync();
        Assert.All(designs, d => Assert.Equal(CraftFlow.Data.Entities.DesignStatus.Pending, d.Status));
    }

    [Fact]
    public async Task Design_can_be_read_patched_downloaded_with_etag_and_soft_deleted()
    {
        using var client = await fixture.CreateUserClientAsync();
        var bytes = ApiFixture.Png(color: "#aa0011");
        var id = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("cat.png", bytes)))))
            .GetProperty("design_ids")[0].GetGuid();

        var design = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{id}"));
        Assert.Equal("cat", design.GetProperty("title").GetString());
        Assert.Equal("image/png", design.GetProperty("content_type").GetString());

        using var patch = await client.PatchAsJsonAsync($"/api/designs/{id}", new { title = "Cat tee", tags = new[] { "cat", "tee" } });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Cat tee", (await ApiFixture.ReadJsonAsync(patch)).GetProperty("title").GetString());

        using var image = await client.GetAsync($"/api/designs/{id}/image");
        Assert.Equal(bytes, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        var etag = image.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/designs/{id}/image");
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/designs/{id}/thumbnail")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/designs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/designs/{id}")).StatusCode);
        await using var db = fixture.CreateDbContext();
        Assert.False((await db.DesignImages.SingleAsync(d => d.Id == id)).IsActive);
    }

    [Fact]
    public async Task Bad_uploads_get_clear_4xx_and_leave_no_rows()
    {
        using var client = await fixture.CreateUserClientAsync();
        await using var db = fixture.CreateDbContext();
        var before = await db.DesignImages.CountAsync();

        var text = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("just some text, not an image")), "files", "notes.png" } };
        using var wrongType = await client.PostAsync("/api/designs", text);
        using var notMultipart = await client.PostAsJsonAsync("/api/designs", new { files = "x" });
        using var empty = await client.PostAsync("/api/designs", new MultipartFormDataContent { { new StringContent("x"), "title" } });
        var emptyFile = new MultipartFormDataContent { { new ByteArrayContent([]), "files", "zero.png" } };
        using var zeroBytes = await client.PostAsync("/api/designs", emptyFile);
        using var oversize = await client.PostAsync("/api/designs", ApiFixture.Files(("big.png", ApiFixture.Png(900, 900, "#123456")), ("big2.png", [.. ApiFixture.Png(), .. new byte[Fixture.MaxFileBytes]])));
        using var tooMany = await client.PostAsync("/api/designs", ApiFixture.Files(Enumerable.Range(0, Fixture.MaxFiles + 1).Select(i => ($"{i}.png", ApiFixture.Png())).ToArray()));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, zeroBytes.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        foreach (var response in new[] { wrongType, notMultipart, empty, zeroBytes, oversize, tooMany })
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(before, await db.DesignImages.CountAsync());
    }

    [Fact]
    public async Task Upload_with_a_text_file_and_an_empty_file_takes_the_images_and_lists_the_refused_files()
    {
        using var client = await fixture.CreateUserClientAsync();
        var form = ApiFixture.Files(("a.png", ApiFixture.Png(64, 64, "#112233")), ("b.png", ApiFixture.Png(64, 64, "#445566")), ("c.png", ApiFixture.Png(64, 64, "#778899")));
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes("just some text, not an image")), "files", "notes.txt");
        form.Add(new ByteArrayContent([]), "files", "zero.png");

        using var response = await client.PostAsync("/api/designs", form);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await ApiFixture.ReadJsonAsync(response);
        Assert.Equal(3, body.GetProperty("design_ids").GetArrayLength());
        var refused = body.GetProperty("refused_files").EnumerateArray().ToList();
        Assert.Equal(["notes.txt", "zero.png"], refused.Select(r => r.GetProperty("file_name").GetString()));
        Assert.Contains("not a JPEG, PNG", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("empty", refused[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        var batch = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{body.GetProperty("batch_id").GetString()}"));
        Assert.Equal(3, batch.GetProperty("total_files").GetInt32());
    }

    [Fact]
    public async Task Upload_whose_every_file_is_refused_is_a_problem_listing_them_and_leaves_no_rows()
    {
        using var client = await fixture.CreateUserClientAsync();
        await using var db = fixture.CreateDbContext();
        var before = await db.DesignImages.CountAsync();
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes("%PDF-1.4 not an image")), "files", "flyer.pdf" },
            { new ByteArrayContent([]), "files", "zero.png" },
        };

        using var response = await client.PostAsync("/api/designs", form);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ApiFixture.ReadJsonAsync(response);
        Assert.Equal(["flyer.pdf", "zero.png"], problem.GetProperty("refused_files").EnumerateArray().Select(r => r.GetProperty("file_name").GetString()));
        Assert.Equal(before, await db.DesignImages.CountAsync());
    }

    [Fact]
    public async Task Upload_over_the_total_size_is_refused_whole_even_when_each_file_is_within_its_limit()
    {
        using var client = await fixture.CreateUserClientAsync();
        await using var db = fixture.CreateDbContext();
        var before = await db.DesignImages.CountAsync();
        var files = Enumerable.Range(0, 5).Select(i => ($"{i}.png", (byte[])[.. ApiFixture.Png(), .. new byte[(Fixture.MaxFileBytes * 9) / 10]])).ToArray();
        Assert.True(files.Sum(f => (long)f.Item2.Length) > Fixture.MaxUploadBytes);

        using var response = await client.PostAsync("/api/designs", ApiFixture.Files(files));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await db.DesignImages.CountAsync());
    }

    [Fact]
    public async Task Two_concurrent_uploads_of_the_same_bytes_both_succeed_and_store_the_file_once()
    {
        using var first = await fixture.CreateUserClientAsync();
        using var second = await fixture.CreateUserClientAsync();
        var bytes = ApiFixture.Png(300, 200, "#00ff7f");

        var responses = await Task.WhenAll(
            first.PostAsync("/api/designs", ApiFixture.Files(("same.png", bytes))),
            second.PostAsync("/api/designs", ApiFixture.Files(("same.png", bytes))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var stored = Directory.GetFiles(fixture.Api.StoragePath, sha, SearchOption.AllDirectories);
        Assert.Single(stored);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(stored[0]));
    }

    [Fact]
    public async Task Gallery_pages_have_no_duplicate_and_no_gap_while_new_designs_arrive()
    {
        using var client = await fixture.CreateUserClientAsync();
        var original = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var files = Enumerable.Range(0, 5).Select(j => ($"g{i}-{j}.png", ApiFixture.Png(color: $"#{i:x2}{j:x2}99"))).ToArray();
            var accepted = await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(files)));
            original.AddRange(accepted.GetProperty("design_ids").EnumerateArray().Select(e => e.GetGuid()));
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var page = 0;
        do
        {
            var url = "/api/designs?limit=7" + (cursor is null ? string.Empty : $"&cursor={cursor}");
            var body = await ApiFixture.ReadJsonAsync(await client.GetAsync(url));
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            cursor = body.GetProperty("next_cursor").GetString();
            if (page++ == 1)
            {
                // New uploads between pages land before the first page, not inside the walk.
                await client.PostAsync("/api/designs", ApiFixture.Files(("late-1.png", ApiFixture.Png(color: "#010203")), ("late-2.png", ApiFixture.Png(color: "#040506"))));
            }
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(original.OrderBy(g => g), seen.OrderBy(g => g));
    }

    [Fact]
    public async Task Gallery_rejects_a_forged_cursor_and_filters_by_status()
    {
        using var client = await fixture.CreateUserClientAsync();
        await client.PostAsync("/api/designs", ApiFixture.Files(("a.png", ApiFixture.Png(color: "#777777"))));

        using var forged = await client.GetAsync("/api/designs?cursor=not-a-cursor");
        var pending = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/designs?status=pending"));
        var processed = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/designs?status=processed"));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(1, pending.GetProperty("items").GetArrayLength());
        Assert.Equal(0, processed.GetProperty("items").GetArrayLength());
    }

    public sealed class Fixture : ApiFixture
    {
        public const int MaxFiles = 20;
        public const long MaxFileBytes = 256 * 1024;
        public const long MaxUploadBytes = 1024 * 1024;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Uploads:MaxFilesPerUpload"] = MaxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Uploads:MaxFileBytes"] = MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Uploads:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
