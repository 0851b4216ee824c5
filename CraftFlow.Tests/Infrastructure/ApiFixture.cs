using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ImageMagick;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>A migrated database and the API on it, shared by one test class.</summary>
public class ApiFixture : DatabaseFixture
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public ApiFactory Api { get; private set; } = null!;

    // Tests register many users from one client address: lift the login/register limit (tested on its own).
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Auth:AttemptsPerWindow"] = "10000" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Migrations.MigrateAsync(ConnectionString);
        Api = new ApiFactory(ConnectionString, Settings);
    }

    public override async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Registers a fresh user and returns a client that sends its token.</summary>
    public async Task<HttpClient> CreateUserClientAsync()
    {
        var client = Api.CreateClient();
        var email = $"seller-{Guid.NewGuid():N}@example.com";
        using var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery" });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("token").GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static byte[] Png(int width = 64, int height = 48, string color = "#3366cc")
    {
        using var image = new MagickImage(new MagickColor(color), (uint)width, (uint)height);
        image.Format = MagickFormat.Png;
        return image.ToByteArray();
    }

    public static MultipartFormDataContent Files(params (string Name, byte[] Bytes)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            content.Add(part, "files", name);
        }

        return content;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}
