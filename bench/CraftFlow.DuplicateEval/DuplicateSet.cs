using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.DuplicateEval;

/// <summary>What a set is made from; a directory whose manifest has the same parameters is reused as it is.</summary>
public sealed record SetParameters(string Source, int Bases, int Distractors, int Seed)
{
    /// <summary>Bumped whenever the selection or a variant kind changes, so that an older cached set is rebuilt.</summary>
    public int Format { get; init; } = 2;
}

/// <summary>One file of the set. <see cref="Kind"/> and <see cref="BaseFile"/> are set for variants and colour variants.</summary>
public sealed record SetFile(string File, string Role, string? Kind, string? BaseFile, string? Source);

public sealed record DuplicateSetManifest(SetParameters Parameters, SelectionStatistics Selection, IReadOnlyList<SetFile> Files);

public static class Roles
{
    public const string Base = "base";
    public const string Distractor = "distractor";
    public const string Variant = "variant";
    public const string ColourVariant = "colour_variant";

    /// <summary>Bases and distractors: the designs that are distinct from one another, uploaded first.</summary>
    public static bool IsDistinct(string role) => role is Base or Distractor;
}

/// <summary>
/// The labelled set: distinct designs (bases and distractors) chosen from a clip-art collection, and for every base
/// its variants of each <see cref="VariantKinds.Duplicates">kind</see> and, when it has the colour, a colour variant.
/// The files are listed in upload order: the distinct designs, then the variants in a seeded shuffle (so variants of
/// one base land in different requests and jobs, as a seller's re-uploads do).
/// </summary>
public sealed class DuplicateSet
{
    private const string ManifestFileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    private DuplicateSet(string directory, DuplicateSetManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public DuplicateSetManifest Manifest { get; }

    public IReadOnlyList<SetFile> Distinct => [.. Manifest.Files.Where(f => Roles.IsDistinct(f.Role))];

    public IReadOnlyList<SetFile> Related => [.. Manifest.Files.Where(f => !Roles.IsDistinct(f.Role))];

    public string PathOf(SetFile file) => Path.Combine(Directory, file.File);

    /// <summary>Reuses the set in <paramref name="directory"/> when its manifest has these parameters; builds it there otherwise.</summary>
    public static async Task<DuplicateSet> BuildOrLoadAsync(SetParameters parameters, string directory, CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(parameters.Source))
        {
            throw new DirectoryNotFoundException(
                $"{parameters.Source} is missing: the duplicate evaluation builds its set from Debian's openclipart-png (apt-get install -y openclipart-png).");
        }

        var manifestPath = Path.Combine(directory, ManifestFileName);
        if (File.Exists(manifestPath))
        {
            await using var stream = File.OpenRead(manifestPath);
            var existing = await JsonSerializer.DeserializeAsync<DuplicateSetManifest>(stream, Json, cancellationToken);
            if (existing?.Parameters == parameters && existing.Files.All(f => File.Exists(Path.Combine(directory, f.File))))
            {
                return new DuplicateSet(directory, existing);
            }
        }

        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(directory);
        var manifest = await BuildAsync(parameters, directory, cancellationToken);
        // The manifest goes last: a build that was interrupted leaves no manifest, so it is not reused.
        await using (var stream = File.Create(manifestPath))
        {
            await JsonSerializer.SerializeAsync(stream, manifest, Json, cancellationToken);
        }

        return new DuplicateSet(directory, manifest);
    }

    private static async Task<DuplicateSetManifest> BuildAsync(SetParameters parameters, string directory, CancellationToken cancellationToken)
    {
        var (chosen, statistics) = SourceSelection.Select(parameters.Source, parameters.Bases + parameters.Distractors, parameters.Seed, cancellationToken);
        var distinct = chosen
            .Select((source, index) => index < parameters.Bases
                ? new SetFile($"b{index:D3}.png", Roles.Base, null, null, source)
                : new SetFile($"d{index - parameters.Bases:D3}.png", Roles.Distractor, null, null, source))
            .ToArray();
        var related = new SetFile[distinct.Length][];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, distinct.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var file = distinct[index];
                var sourcePath = Path.Combine(parameters.Source, file.Source!);
                // Distinct designs are uploaded as the collection ships them; the variants start from the decoded pixels.
                File.Copy(sourcePath, Path.Combine(directory, file.File));
                related[index] = file.Role == Roles.Base
                    ? await MakeVariantsAsync(file, Artwork.Load(sourcePath), new Random(parameters.Seed + index), directory, token)
                    : [];
            });

        var variants = related.SelectMany(files => files).ToArray();
        new Random(parameters.Seed).Shuffle(variants);
        return new DuplicateSetManifest(parameters, statistics, [.. distinct, .. variants]);
    }

    private static async Task<SetFile[]> MakeVariantsAsync(SetFile baseFile, Artwork artwork, Random random, string directory, CancellationToken cancellationToken)
    {
        var stem = Path.GetFileNameWithoutExtension(baseFile.File);
        var files = new List<SetFile>();
        var kinds = artwork.MeanVisibleSaturation() >= VariantKinds.ColourVariantMinimumSaturation
            ? [.. VariantKinds.Duplicates, VariantKinds.ColourVariant]
            : VariantKinds.Duplicates;
        foreach (var kind in kinds)
        {
            var (bytes, extension) = VariantMaker.Make(kind, artwork, random);
            var name = $"{stem}-{kind}{extension}";
            await File.WriteAllBytesAsync(Path.Combine(directory, name), bytes, cancellationToken);
            var role = kind == VariantKinds.ColourVariant ? Roles.ColourVariant : Roles.Variant;
            files.Add(new SetFile(name, role, kind, baseFile.File, null));
        }

        return [.. files];
    }
}
