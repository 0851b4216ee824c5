using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.Data.Jobs;
using CraftFlow.Tests.Imaging;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CraftFlow.Tests.Pipeline;

/// <summary>The API and the Worker together: upload, background processing, duplicates, thumbnails, mockups.</summary>
public sealed class UploadPipelineTests(UploadPipelineTests.Fixture fixture) : IClassFixture<UploadPipelineTests.Fixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Uploaded_designs_are_hashed_like_imagehash_judged_for_duplicates_and_thumbnailed()
    {
        using var client = await fixture.CreateUserClientAsync();
        var original = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base06.png"));
        var resized = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base06__resize50.png"));
        var unrelated = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/img03_shapes_640x480.png"));
        var truncated = original.Take(original.Length / 3).ToArray();
        using (var first = await client.PostAsync("/api/designs", ApiFixture.Files(("original.png", original))))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            await WaitForBatchAsync(client, (await ApiFixture.ReadJsonAsync(first)).GetProperty("batch_id").GetGuid());
        }

        using var second = await client.PostAsync("/api/designs", ApiFixture.Files(
            ("resized.png", resized), ("copy.png", original), ("unrelated.png", unrelated), ("truncated.png", truncated)));
        var accepted = await ApiFixture.ReadJsonAsync(second);
        var batch = await WaitForBatchAsync(client, accepted.GetProperty("batch_id").GetGuid());

        Assert.Equal(1, batch.GetProperty("processed").GetInt32());
        Assert.Equal(2, batch.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, batch.GetProperty("failed").GetInt32());
        var designs = await ListAsync(client);
        var originalDesign = designs.Single(d => d.GetProperty("original_file_name").GetString() == "original.png");
        var reference = ImagehashFixtures.Images.Single(i => Path.GetFileName(i.File) == "base06.png");
        Assert.Equal(reference.Hashes["phash"], originalDesign.GetProperty("hashes").GetProperty("phash").GetString());
        Assert.Equal(reference.Hashes["dhash"], originalDesign.GetProperty("hashes").GetProperty("dhash").GetString());
        Assert.Equal("processed", originalDesign.GetProperty("status").GetString());

        var resizedDesign = designs.Single(d => d.GetProperty("original_file_name").GetString() == "resized.png");
        Assert.Equal("duplicate", resizedDesign.GetProperty("status").GetString());
        Assert.Equal(originalDesign.GetProperty("id").GetGuid(), resizedDesign.GetProperty("duplicate_of_id").GetGuid());
        var copy = designs.Single(d => d.GetProperty("original_file_name").GetString() == "copy.png");
        Assert.Equal(0, copy.GetProperty("duplicate_distance").GetInt32());
        Assert.Equal("processed", designs.Single(d => d.GetProperty("original_file_name").GetString() == "unrelated.png").GetProperty("status").GetString());
        var failed = designs.Single(d => d.GetProperty("original_file_name").GetString() == "truncated.png");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(failed.GetProperty("status_reason").GetString()));

        using var thumbnail = await client.GetAsync($"/api/designs/{originalDesign.GetProperty("id").GetGuid()}/thumbnail");
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        var webp = await thumbnail.Content.ReadAsByteArrayAsync();
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));

        var duplicates = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{originalDesign.GetProperty("id").GetGuid()}/duplicates"));
        var relations = duplicates.EnumerateArray().ToDictionary(d => d.GetProperty("design_id").GetGuid(), d => d.GetProperty("relation").GetString());
        Assert.Equal("duplicate", relations[resizedDesign.GetProperty("id").GetGuid()]);
        Assert.Equal("exact", relations[copy.GetProperty("id").GetGuid()]);
        Assert.Equal("duplicate", resizedDesign.GetProperty("relation").GetString());
        Assert.Equal(originalDesign.GetProperty("id").GetGuid(), resizedDesign.GetProperty("related_design_id").GetGuid());
        Assert.Equal("exact", copy.GetProperty("relation").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, originalDesign.GetProperty("relation").ValueKind);
    }

    [Fact]
    public async Task Near_duplicates_in_different_jobs_of_one_upload_are_caught_once()
    {
        using var client = await fixture.CreateUserClientAsync();
        var original = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base08.png"));
        var variant = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base08__bright110.png"));
        // 11 files make two jobs (10 + 1) that the Worker runs side by side; the pair lands in different jobs.
        var fillers = Enumerable.Range(0, 9).Select(i => ($"filler-{i}.png", ApiFixture.Png(64 + (i * 8), 48, $"#{(i * 25) + 10:x2}{255 - (i * 25):x2}40"))).ToArray();
        (string, byte[])[] files = [("original.png", original), .. fillers, ("variant.png", variant)];

        var batchId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(files)))).GetProperty("batch_id").GetGuid();
        await WaitForBatchAsync(client, batchId);

        var pair = (await ListAsync(client))
            .Where(d => d.GetProperty("original_file_name").GetString() is "original.png" or "variant.png")
            .OrderBy(d => d.GetProperty("status").GetString())
            .ToList();
        Assert.Equal(["duplicate", "processed"], pair.Select(d => d.GetProperty("status").GetString()));
        Assert.Equal(pair[1].GetProperty("id").GetGuid(), pair[0].GetProperty("duplicate_of_id").GetGuid());
    }

    [Fact]
    public async Task Check_duplicate_finds_a_near_copy_without_storing_the_upload()
    {
        using var client = await fixture.CreateUserClientAsync();
        var original = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base07.png"));
        var watermarked = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base07__watermark.png"));
        var batchId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("original.png", original)))))
            .GetProperty("batch_id").GetGuid();
        await WaitForBatchAsync(client, batchId);
        var before = (await ListAsync(client)).Count;

        using var check = await client.PostAsync("/api/designs/check-duplicate", ApiFixture.Files(("candidate.png", watermarked)));
        var truncated = original.Take(200).ToArray();
        using var corrupt = await client.PostAsync("/api/designs/check-duplicate", ApiFixture.Files(("broken.png", truncated)));

        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var body = await ApiFixture.ReadJsonAsync(check);
        Assert.True(body.GetProperty("is_duplicate").GetBoolean());
        var match = Assert.Single(body.GetProperty("matches").EnumerateArray());
        Assert.False(match.GetProperty("exact_bytes").GetBoolean());
        Assert.Equal("duplicate", match.GetProperty("relation").GetString());
        Assert.True(match.GetProperty("phash_distance").GetInt32() <= 10 || match.GetProperty("dhash_distance").GetInt32() <= 10);
        var reference = ImagehashFixtures.Images.Single(i => Path.GetFileName(i.File) == "base07__watermark.png");
        Assert.Equal(reference.Hashes["phash"], body.GetProperty("hashes").GetProperty("phash").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, corrupt.StatusCode);
        Assert.Equal(before, (await ListAsync(client)).Count);
    }

    [Fact]
    public async Task Mockup_is_rendered_by_the_worker_as_a_jpeg()
    {
        using var client = await fixture.CreateUserClientAsync();
        var design = await File.ReadAllBytesAsync(ImagehashFixtures.PathOf("images/base07.png"));
        var designId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("d.png", design)))))
            .GetProperty("design_ids")[0].GetGuid();
        var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(ApiFixture.Png(400, 300, "#ffffff"));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "shirt.png");
        form.Add(new StringContent("Shirt"), "name");
        foreach (var (field, value) in new[] { ("print_area_x", 100), ("print_area_y", 50), ("print_area_width", 200), ("print_area_height", 200) })
        {
            form.Add(new StringContent(value.ToString(CultureInfo.InvariantCulture)), field);
        }

        var templateId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/templates", form))).GetProperty("id").GetGuid();

        var accepted = await ApiFixture.ReadJsonAsync(await client.PostAsJsonAsync("/api/mockups", new { design_id = designId, template_id = templateId }));
        var mockupId = accepted.GetProperty("mockup").GetProperty("id").GetGuid();
        var mockup = await Eventually.UntilAsync(
            async () => await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/mockups/{mockupId}")),
            m => m.GetProperty("status").GetString() is "completed" or "failed", Deadline, "the mockup to render");

        Assert.Equal("completed", mockup.GetProperty("status").GetString());
        var job = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/jobs/{accepted.GetProperty("job_id").GetGuid()}"));
        Assert.Equal("completed", job.GetProperty("state").GetString());
        var jpeg = await (await client.GetAsync($"/api/mockups/{mockupId}/image")).Content.ReadAsByteArrayAsync();
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg.Take(3));

        // A re-run (a rescued or retried job) changes nothing.
        var handler = fixture.Worker.Services.GetServices<IJobHandler>().Single(h => h.Kind == RenderMockupJob.Kind);
        var rerun = RenderMockupJob.Create(Guid.Empty, mockupId);
        await handler.HandleAsync(new Job { Queue = rerun.Queue, Kind = rerun.Kind, Payload = rerun.Payload }, CancellationToken.None);
        var after = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/mockups/{mockupId}"));
        Assert.Equal(mockup.GetProperty("updated_at").GetDateTimeOffset(), after.GetProperty("updated_at").GetDateTimeOffset());
    }

    private static Task<JsonElement> WaitForBatchAsync(HttpClient client, Guid batchId)
        => Eventually.UntilAsync(
            async () => await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}")),
            b => b.GetProperty("status").GetString() == "completed", Deadline, $"upload batch {batchId} to complete");

    private static async Task<List<JsonElement>> ListAsync(HttpClient client)
        => (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/designs?limit=200"))).GetProperty("items").EnumerateArray().ToList();

    public sealed class Fixture : ApiFixture
    {
        public WorkerFactory Worker { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Worker = new WorkerFactory(ConnectionString, Api.StoragePath);
            Worker.Start();
        }

        public override async Task DisposeAsync()
        {
            await Worker.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
