using System.Text.Json;

namespace CraftFlow.Tests.Imaging;

/// <summary>
/// The imagehash reference fixtures: <c>shared/fixtures/imagehash</c> beside the clone (found by walking up to the
/// directory holding <c>CraftFlow.sln</c>), or the directory named by <c>CRAFTFLOW_FIXTURES</c>.
/// </summary>
internal static class ImagehashFixtures
{
    public const string OverrideVariable = "CRAFTFLOW_FIXTURES";

    private static readonly Lazy<string> LazyDirectory = new(Locate);
    private static readonly Lazy<IReadOnlyList<FixtureImage>> LazyImages = new(LoadImages);
    private static readonly Lazy<JsonDocument> LazyIntermediates = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "intermediates.json"))));

    public static string Directory => LazyDirectory.Value;

    public static IReadOnlyList<FixtureImage> Images => LazyImages.Value;

    public static JsonElement Intermediates(string file) => LazyIntermediates.Value.RootElement.GetProperty("images").GetProperty(file);

    public static string PathOf(string relative) => Path.Combine(Directory, relative);

    public static JsonDocument LoadPairs() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "pairs.json")));

    private static string Locate()
    {
        string? overridden = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CraftFlow.sln")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "imagehash"));
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }

                break;
            }
        }

        // A git worktree sits elsewhere than the main clone; fall back to the workspace layout.
        const string workspace = "/work/shared/fixtures/imagehash";
        return System.IO.Directory.Exists(workspace)
            ? workspace
            : throw new DirectoryNotFoundException($"imagehash fixtures not found; set {OverrideVariable}.");
    }

    private static List<FixtureImage> LoadImages()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "vectors.json")));
        var list = new List<FixtureImage>();
        foreach (var rec in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            var hashes = new Dictionary<string, string>();
            foreach (var h in rec.GetProperty("hashes").EnumerateObject())
            {
                if (h.Value.ValueKind == JsonValueKind.String)
                {
                    hashes[h.Name] = h.Value.GetString()!;
                }
            }

            var fragile = new Dictionary<string, int>();
            foreach (var f in rec.GetProperty("fragile_bits").EnumerateObject())
            {
                fragile[f.Name] = f.Value.GetInt32();
            }

            string? twin = rec.TryGetProperty("decoded_twin", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            list.Add(new FixtureImage(
                rec.GetProperty("file").GetString()!,
                rec.GetProperty("format").GetString()!,
                rec.GetProperty("mode").GetString()!,
                rec.GetProperty("width").GetInt32(),
                rec.GetProperty("height").GetInt32(),
                hashes,
                fragile,
                twin));
        }

        return list;
    }
}

internal sealed record FixtureImage(
    string File,
    string Format,
    string Mode,
    int Width,
    int Height,
    IReadOnlyDictionary<string, string> Hashes,
    IReadOnlyDictionary<string, int> FragileBits,
    string? DecodedTwin)
{
    public bool IsLossy => Format is "JPEG" or "WEBP";

    public int Fragile(string hash) => FragileBits.TryGetValue(hash, out int n) ? n : 0;
}
