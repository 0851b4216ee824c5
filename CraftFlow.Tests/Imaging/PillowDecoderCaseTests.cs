using System.Numerics;
using System.Text.Json;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Tests.Imaging;

/// <summary>
/// Decoder cases the shared fixtures do not cover (CMYK JPEG/TIFF, 16-bit PNG/TIFF, LA, WebP with alpha,
/// animated GIF, EXIF orientation, compressed TIFF), generated with Pillow 9.4.0 by
/// <c>TestData/generate_pillow_cases.py</c>, whose expected hashes come from the fixtures' reimpl_check.py.
/// </summary>
public class PillowDecoderCaseTests
{
    // Cases a port may only approximate; none at present (16-bit PNG and TIFF are decoded natively).
    private static readonly HashSet<string> KnownApproximate = [];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var p in Load().RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hashes_equal_pillow_reference(string file)
    {
        var expected = Load().RootElement.GetProperty(file).GetProperty("hashes");
        using var stream = File.OpenRead(Path.Combine(Directory(), file));
        var h = PerceptualHasher.Compute(stream, ImagingOptions.Default, new HashComputationOptions { IncludeHashSize16 = true });
        var got = new Dictionary<string, string>
        {
            ["average_hash"] = PerceptualHasher.ToHex(h.Average),
            ["phash"] = PerceptualHasher.ToHex(h.Perceptual),
            ["dhash"] = PerceptualHasher.ToHex(h.Difference),
            ["whash_haar"] = PerceptualHasher.ToHex(h.Wavelet),
            ["average_hash_16"] = h.Average16!.Value.ToHex(),
            ["phash_16"] = h.Perceptual16!.Value.ToHex(),
            ["dhash_16"] = h.Difference16!.Value.ToHex(),
        };
        foreach (var (name, hex) in got)
        {
            string want = expected.GetProperty(name).GetString()!;
            int distance = Distance(hex, want);
            if (KnownApproximate.Contains(file))
            {
                continue;
            }

            // Exact, lossy files included: Magick.NET's libjpeg-turbo and libwebp give Pillow's pixels here.
            int allowed = 0;
            Assert.True(distance <= allowed, $"{file} {name}: want {want} got {hex} ({distance} bits)");
        }
    }

    internal static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CraftFlow.sln")))
            {
                return Path.Combine(dir.FullName, "CraftFlow.Tests", "Imaging", "TestData", "pillow");
            }
        }

        throw new DirectoryNotFoundException("CraftFlow.sln not found above the test binaries.");
    }

    private static JsonDocument Load() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory(), "expected.json")));

    private static int Distance(string a, string b)
    {
        int d = 0;
        for (int i = 0; i < a.Length; i += 16)
        {
            d += BitOperations.PopCount(Convert.ToUInt64(a.Substring(i, 16), 16) ^ Convert.ToUInt64(b.Substring(i, 16), 16));
        }

        return d;
    }
}
