using System.Globalization;
using System.Security.Cryptography;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.DuplicateEval;

/// <summary>
/// The evaluation without the HTTP path, for tuning the detector: each file is analysed once (its appearance and
/// imagehash values cached beside the set, since decoding is most of the cost), every signature is computed in
/// process, and the Worker's judgement is replayed in upload order: an earlier file with the same bytes makes it
/// exact, otherwise the first design <see cref="ArtworkIndex.Find"/> relates it to; every file joins the index. The
/// scores come from the same <see cref="Evaluation"/>, so they match an HTTP run on the same set.
/// </summary>
public static class OfflineEvaluation
{
    private const string CacheDirectoryName = "offline-appearances";

    public static RunOutcome Run(DuplicateSet set, TextWriter log, CancellationToken cancellationToken)
    {
        var files = set.Manifest.Files;
        var cache = Path.Combine(set.Directory, CacheDirectoryName);
        Directory.CreateDirectory(cache);
        var analysed = new (RgbaImage Appearance, DesignHashes Hashes, string Sha256)[files.Count];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var data = File.ReadAllBytes(set.PathOf(files[i]));
            var (appearance, hashes) = LoadOrAnalyse(Path.Combine(cache, files[i].File + ".rgba"), data);
            analysed[i] = (appearance, hashes, Convert.ToHexString(SHA256.HashData(data)));
        });
        log.WriteLine($"   {files.Count} appearances ready after {clock.Elapsed.TotalSeconds:F1} s (cached in {cache})");

        clock.Restart();
        var signatures = new ArtworkSignature[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => signatures[i] = ArtworkSignature.Of(analysed[i].Appearance));
        log.WriteLine($"   signatures computed in {clock.Elapsed.TotalSeconds:F1} s");

        // Ids that sort in upload order, as the Worker's time-ordered ids do (the index breaks ties by id).
        var ids = Enumerable.Range(0, files.Count).Select(i => new Guid(i + 1, 0, 0, new byte[8])).ToArray();
        clock.Restart();
        var firstWithBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        var designs = new DesignRecord[files.Count];
        using var index = new ArtworkIndex();
        for (int i = 0; i < files.Count; i++)
        {
            string? relation = null;
            Guid? related = null;
            if (firstWithBytes.TryGetValue(analysed[i].Sha256, out int copy))
            {
                (relation, related) = (DesignRelation.Exact.ToName(), ids[copy]);
            }
            else
            {
                firstWithBytes[analysed[i].Sha256] = i;
                if (index.Find(signatures[i]) is [var best, ..])
                {
                    (relation, related) = (best.Match.Relation.ToName(), best.Id);
                }
            }

            index.Add(ids[i], signatures[i]);
            bool duplicate = relation is not null && relation != DesignRelation.ColourVariant.ToName();
            designs[i] = new DesignRecord(
                ids[i], files[i].File, duplicate ? "duplicate" : "processed", duplicate ? related : null, analysed[i].Hashes, relation, related);
        }

        log.WriteLine($"   judged in upload order in {clock.Elapsed.TotalSeconds:F1} s");
        return new RunOutcome(designs, [], TimeSpan.Zero, TimeSpan.Zero);
    }

    private static (RgbaImage Appearance, DesignHashes Hashes) LoadOrAnalyse(string path, byte[] data)
    {
        if (File.Exists(path))
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            int width = reader.ReadInt32(), height = reader.ReadInt32();
            var stored = new DesignHashes(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
            return (new RgbaImage(width, height, reader.ReadBytes(width * height * 4)), stored);
        }

        var analysis = DesignAnalyzer.Analyze(data);
        var appearance = analysis.Appearance;
        var hashes = new DesignHashes(
            Hex(analysis.Hashes.Perceptual), Hex(analysis.Hashes.Average), Hex(analysis.Hashes.Difference), Hex(analysis.Hashes.Wavelet));
        var partial = path + ".partial";
        using (var writer = new BinaryWriter(File.Create(partial)))
        {
            writer.Write(appearance.Width);
            writer.Write(appearance.Height);
            writer.Write(hashes.Phash);
            writer.Write(hashes.Ahash);
            writer.Write(hashes.Dhash);
            writer.Write(hashes.Whash);
            writer.Write(appearance.Span);
        }

        File.Move(partial, path, overwrite: true);
        return (appearance, hashes);
    }

    private static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);
}
