using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CraftFlow.DuplicateEval;

public sealed record DesignHashes(string Phash, string Ahash, string Dhash, string Whash);

/// <summary>
/// A design as <c>GET /api/designs</c> returns it. <see cref="Relation"/> and <see cref="RelatedDesignId"/> are the
/// detector's newer fields; an API without them is read through <see cref="EffectiveRelation"/>, from the status.
/// </summary>
public sealed record DesignRecord(
    Guid Id, string OriginalFileName, string Status, Guid? DuplicateOfId, DesignHashes? Hashes,
    string? Relation, Guid? RelatedDesignId)
{
    public string? EffectiveRelation => Relation ?? (Status == "duplicate" ? Relations.Duplicate : null);

    public Guid? EffectiveRelatedDesignId => RelatedDesignId ?? DuplicateOfId;
}

public sealed record RefusedFile(string FileName, string Reason);

/// <summary>The few CraftFlow API calls the evaluation makes, as a seller's client would make them.</summary>
public sealed class CraftFlowApi(HttpClient http)
{
    public const int MaxFilesPerRequest = 50;

    /// <summary>The API's largest page of <c>GET /api/designs</c> (Uploads:MaxPageSize).</summary>
    private const int PageSize = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Registers a fresh user and makes <paramref name="http"/> send its token from now on.</summary>
    public static async Task<CraftFlowApi> RegisterUserAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var email = $"duplicate-eval-{Guid.NewGuid():N}@example.com";
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { email, password = "duplicate-eval-password" }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var token = body.GetProperty("token").GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new CraftFlowApi(http);
    }

    /// <summary>One multipart request of up to <see cref="MaxFilesPerRequest"/> files (field "files").</summary>
    public async Task<UploadAccepted> UploadAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        using var content = new MultipartFormDataContent();
        foreach (var path in paths)
        {
            var part = new ByteArrayContent(await File.ReadAllBytesAsync(path, cancellationToken));
            part.Headers.ContentType = new MediaTypeHeaderValue(Path.GetExtension(path) == ".jpg" ? "image/jpeg" : "image/png");
            content.Add(part, "files", Path.GetFileName(path));
        }

        using var response = await http.PostAsync("/api/designs", content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /api/designs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync<UploadAccepted>(Json, cancellationToken))!;
    }

    public async Task<UploadBatch> GetBatchAsync(Guid batchId, CancellationToken cancellationToken)
        => (await http.GetFromJsonAsync<UploadBatch>($"/api/uploads/{batchId}", Json, cancellationToken))!;

    /// <summary>Every design of the user, page by page along the keyset cursor.</summary>
    public async Task<IReadOnlyList<DesignRecord>> ListDesignsAsync(CancellationToken cancellationToken)
    {
        var designs = new List<DesignRecord>();
        string? cursor = null;
        do
        {
            var url = $"/api/designs?limit={PageSize}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = (await http.GetFromJsonAsync<DesignPage>(url, Json, cancellationToken))!;
            designs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return designs;
    }

    public sealed record UploadAccepted(Guid BatchId, IReadOnlyList<RefusedFile> RefusedFiles);

    public sealed record UploadBatch(int TotalFiles, int Processed, int Duplicates, int Failed, int Pending, string Status);

    private sealed record DesignPage(IReadOnlyList<DesignRecord> Items, string? NextCursor);
}
