using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.Data.Jobs;
using CraftFlow.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Tests.Api;

public sealed class TemplateMockupJobTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Template_is_created_with_its_size_listed_updated_downloaded_and_deleted()
    {
        using var client = await fixture.CreateUserClientAsync();

        using var created = await client.PostAsync("/api/templates", TemplateForm(400, 300, 100, 50, 200, 150));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var template = await ApiFixture.ReadJsonAsync(created);
        var id = template.GetProperty("id").GetGuid();
        Assert.Equal(400, template.GetProperty("width").GetInt32());
        Assert.Equal(150, template.GetProperty("print_area").GetProperty("height").GetInt32());

        var list = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/templates"));
        Assert.Contains(list.EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);

        using var update = await client.PatchAsJsonAsync($"/api/templates/{id}", new { name = "Mug", print_area = new { x = 0, y = 0, width = 400, height = 300, rotation = 5 } });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        using var outside = await client.PatchAsJsonAsync($"/api/templates/{id}", new { print_area = new { x = 300, y = 0, width = 200, height = 100, rotation = 0 } });
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);

        using var image = await client.GetAsync($"/api/templates/{id}/image");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.NotNull(image.Headers.ETag);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/templates/{id}")).StatusCode);
    }

    [Fact]
    public async Task Template_print_area_outside_the_image_or_missing_fields_is_400_and_a_corrupt_image_is_422()
    {
        using var client = await fixture.CreateUserClientAsync();

        using var outside = await client.PostAsync("/api/templates", TemplateForm(200, 100, 150, 0, 100, 50));
        using var missing = await client.PostAsync("/api/templates", TemplateForm(200, 100, 0, 0, 10, 10, includeArea: false));
        var corrupt = ApiFixture.Png(200, 100).Take(40).ToArray();
        using var truncated = await client.PostAsync("/api/templates", TemplateForm(corrupt, 0, 0, 10, 10));

        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.True((await ApiFixture.ReadJsonAsync(outside)).GetProperty("errors").TryGetProperty("print_area", out _));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, truncated.StatusCode);
    }

    [Fact]
    public async Task A_decompression_bomb_template_is_422_and_creates_no_template()
    {
        using var client = await fixture.CreateUserClientAsync();
        var bomb = CraftFlow.Tests.Imaging.HostileInputTests.Png(100_000, 100_000, bitDepth: 8, colorType: 2, idatPayload: new byte[64]);

        using var response = await client.PostAsync("/api/templates", TemplateForm(bomb, 0, 0, 10, 10));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(0, (await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/templates"))).GetArrayLength());
    }

    [Fact]
    public async Task Mockup_request_is_accepted_with_a_job_the_user_can_read()
    {
        using var client = await fixture.CreateUserClientAsync();
        var designId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("d.png", ApiFixture.Png())))))
            .GetProperty("design_ids")[0].GetGuid();
        var templateId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/templates", TemplateForm(400, 300, 10, 10, 100, 100))))
            .GetProperty("id").GetGuid();

        using var response = await client.PostAsJsonAsync("/api/mockups", new { design_id = designId, template_id = templateId });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await ApiFixture.ReadJsonAsync(response);
        var mockupId = accepted.GetProperty("mockup").GetProperty("id").GetGuid();
        var jobId = accepted.GetProperty("job_id").GetGuid();
        var job = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/jobs/{jobId}"));
        Assert.Equal(JobQueues.MockupGeneration, job.GetProperty("queue").GetString());
        Assert.Equal("available", job.GetProperty("state").GetString());
        var mockup = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/mockups/{mockupId}"));
        Assert.Equal("pending", mockup.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/mockups/{mockupId}/image")).StatusCode);
        var list = await ApiFixture.ReadJsonAsync(await client.GetAsync("/api/mockups"));
        Assert.Equal(1, list.GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/mockups/{mockupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/mockups/{mockupId}")).StatusCode);
    }

    [Fact]
    public async Task Mockup_request_without_ids_is_400_and_with_unknown_ids_404()
    {
        using var client = await fixture.CreateUserClientAsync();

        using var missing = await client.PostAsJsonAsync("/api/mockups", new { });
        using var unknown = await client.PostAsJsonAsync("/api/mockups", new { design_id = Guid.NewGuid(), template_id = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Every_route_that_takes_an_id_answers_404_to_another_user()
    {
        using var owner = await fixture.CreateUserClientAsync();
        using var stranger = await fixture.CreateUserClientAsync();
        var upload = await ApiFixture.ReadJsonAsync(await owner.PostAsync("/api/designs", ApiFixture.Files(("mine.png", ApiFixture.Png()))));
        var designId = upload.GetProperty("design_ids")[0].GetGuid();
        var batchId = upload.GetProperty("batch_id").GetGuid();
        var designJobId = upload.GetProperty("job_ids")[0].GetGuid();
        var templateId = (await ApiFixture.ReadJsonAsync(await owner.PostAsync("/api/templates", TemplateForm(400, 300, 10, 10, 100, 100)))).GetProperty("id").GetGuid();
        var mockup = await ApiFixture.ReadJsonAsync(await owner.PostAsJsonAsync("/api/mockups", new { design_id = designId, template_id = templateId }));
        var mockupId = mockup.GetProperty("mockup").GetProperty("id").GetGuid();
        var tokenId = (await ApiFixture.ReadJsonAsync(await owner.PostAsJsonAsync("/api/auth/tokens", new { name = "x" }))).GetProperty("id").GetGuid();

        var requests = new List<HttpRequestMessage>
        {
            new(HttpMethod.Get, $"/api/designs/{designId}"),
            new(HttpMethod.Patch, $"/api/designs/{designId}") { Content = JsonContent.Create(new { title = "stolen" }) },
            new(HttpMethod.Delete, $"/api/designs/{designId}"),
            new(HttpMethod.Get, $"/api/designs/{designId}/image"),
            new(HttpMethod.Get, $"/api/designs/{designId}/thumbnail"),
            new(HttpMethod.Get, $"/api/designs/{designId}/duplicates"),
            new(HttpMethod.Get, $"/api/uploads/{batchId}"),
            new(HttpMethod.Get, $"/api/templates/{templateId}"),
            new(HttpMethod.Patch, $"/api/templates/{templateId}") { Content = JsonContent.Create(new { name = "stolen" }) },
            new(HttpMethod.Delete, $"/api/templates/{templateId}"),
            new(HttpMethod.Get, $"/api/templates/{templateId}/image"),
            new(HttpMethod.Get, $"/api/mockups/{mockupId}"),
            new(HttpMethod.Delete, $"/api/mockups/{mockupId}"),
            new(HttpMethod.Get, $"/api/mockups/{mockupId}/image"),
            new(HttpMethod.Get, $"/api/jobs/{designJobId}"),
            new(HttpMethod.Delete, $"/api/auth/tokens/{tokenId}"),
            new(HttpMethod.Post, "/api/mockups") { Content = JsonContent.Create(new { design_id = designId, template_id = templateId }) },
        };

        foreach (var request in requests)
        {
            using var response = await stranger.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}");
        }

        // And nothing changed for the owner.
        var design = await ApiFixture.ReadJsonAsync(await owner.GetAsync($"/api/designs/{designId}"));
        Assert.Equal("mine", design.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/templates/{templateId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/mockups/{mockupId}")).StatusCode);
    }

    [Fact]
    public async Task Duplicates_route_finds_exact_byte_copies_among_the_users_designs()
    {
        using var client = await fixture.CreateUserClientAsync();
        var bytes = ApiFixture.Png(color: "#abcdef");
        var first = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("one.png", bytes))))).GetProperty("design_ids")[0].GetGuid();
        var second = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("two.png", bytes))))).GetProperty("design_ids")[0].GetGuid();

        var duplicates = await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/designs/{first}/duplicates"));

        var match = Assert.Single(duplicates.EnumerateArray());
        Assert.Equal(second, match.GetProperty("design_id").GetGuid());
        Assert.True(match.GetProperty("exact_bytes").GetBoolean());
    }

    [Fact]
    public async Task Openapi_document_lists_every_route_and_the_bearer_scheme()
    {
        using var client = fixture.Api.CreateClient();

        var document = await ApiFixture.ReadJsonAsync(await client.GetAsync("/openapi/v1.json"));

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var route in new[]
        {
            "/api/auth/register", "/api/auth/login", "/api/me", "/api/auth/tokens", "/api/auth/tokens/{id}",
            "/api/designs", "/api/designs/{id}", "/api/designs/{id}/image", "/api/designs/{id}/thumbnail", "/api/designs/{id}/duplicates",
            "/api/uploads/{batchId}", "/api/templates", "/api/templates/{id}", "/api/templates/{id}/image",
            "/api/mockups", "/api/mockups/{id}", "/api/mockups/{id}/image", "/api/jobs/{id}",
        })
        {
            Assert.Contains(route, paths);
        }

        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var me = document.GetProperty("paths").GetProperty("/api/me").GetProperty("get");
        Assert.True(me.TryGetProperty("security", out _));
    }

    private static MultipartFormDataContent TemplateForm(int width, int height, int x, int y, int w, int h, bool includeArea = true)
        => TemplateForm(ApiFixture.Png(width, height, "#f0f0f0"), x, y, w, h, includeArea);

    private static MultipartFormDataContent TemplateForm(byte[] image, int x, int y, int width, int height, bool includeArea = true)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "template.png");
        form.Add(new StringContent("T-shirt"), "name");
        if (includeArea)
        {
            form.Add(new StringContent(x.ToString(CultureInfo.InvariantCulture)), "print_area_x");
            form.Add(new StringContent(y.ToString(CultureInfo.InvariantCulture)), "print_area_y");
            form.Add(new StringContent(width.ToString(CultureInfo.InvariantCulture)), "print_area_width");
            form.Add(new StringContent(height.ToString(CultureInfo.InvariantCulture)), "print_area_height");
        }

        return form;
    }
}
