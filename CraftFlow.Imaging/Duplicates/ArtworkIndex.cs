using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>A stored design the judgement relates to the query.</summary>
public readonly record struct RelatedDesign(Guid Id, ArtworkMatch Match);

/// <summary>
/// A search of an <see cref="ArtworkIndex"/> begun against the designs in it at one moment and finished, maybe much
/// later, against the designs added since (<see cref="ArtworkIndex.Begin"/>, <see cref="ArtworkIndex.Finish"/>).
/// </summary>
public sealed class PendingArtworkSearch
{
    internal PendingArtworkSearch(ArtworkIndex index, ArtworkSignature query, DuplicateRules rules, Guid? excludeId, long generation, List<RelatedDesign> found)
        => (Index, Query, Rules, ExcludeId, Generation, Found) = (index, query, rules, excludeId, generation, found);

    internal ArtworkIndex Index { get; }

    internal ArtworkSignature Query { get; }

    internal DuplicateRules Rules { get; }

    internal Guid? ExcludeId { get; }

    /// <summary>The index's generation when it was begun: the designs judged are those added up to it.</summary>
    internal long Generation { get; }

    internal List<RelatedDesign> Found { get; }
}

/// <summary>
/// One seller's designs in memory, for the judgement against all of them (sized for 1,000,000). The orientation-free
/// keys sit in one contiguous <c>ulong[]</c>, so a query is a linear XOR + popcount scan the CPU streams at memory
/// speed (AVX2: four keys per step), and only the few candidates within <see cref="DuplicateRules.KeyDistance"/> are
/// judged in full. The scan is exhaustive: the answer equals <see cref="DuplicateJudge.Judge"/> against every design.
/// </summary>
/// <remarks>
/// Thread safety: any number of concurrent <see cref="Find"/>, <see cref="Begin"/> and <see cref="Finish"/> calls;
/// <see cref="Add"/> and <see cref="Remove"/> take an exclusive lock and wait for running queries.
/// </remarks>
public sealed class ArtworkIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<Guid, int> _positions = [];
    private ulong[] _keys = new ulong[16];
    private ScanEntry[] _entries = new ScanEntry[16];
    private float[] _spectra = new float[16 * LayoutSpectrum.Length];
    private ArtworkSignature[] _signatures = new ArtworkSignature[16];
    private Guid[] _ids = new Guid[16];

    // Per design, the generation of its Add: a search begun at generation g has judged every design present then
    // (added at g or before) and still has to judge those added after.
    private long[] _addedAt = new long[16];
    private long _generation;
    private int _count;

    public int Count
    {
        get
        {
            _gate.EnterReadLock();
            try
            {
                return _count;
            }
            finally
            {
                _gate.ExitReadLock();
            }
        }
    }

    /// <summary>Adds a design, or replaces the signature of one already present. Blank designs are not indexed.</summary>
    public void Add(Guid id, ArtworkSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        _gate.EnterWriteLock();
        try
        {
            RemoveLocked(id);
            if (signature.IsBlank)
            {
                return;
            }

            if (_count == _ids.Length)
            {
                Array.Resize(ref _keys, _count * 2);
                Array.Resize(ref _entries, _count * 2);
                Array.Resize(ref _spectra, _count * 2 * LayoutSpectrum.Length);
                Array.Resize(ref _signatures, _count * 2);
                Array.Resize(ref _ids, _count * 2);
                Array.Resize(ref _addedAt, _count * 2);
            }

            int at = _count++;
            _keys[at] = signature.Key;
            _entries[at] = new ScanEntry(
                signature.Outline(Orientation.Identity),
                signature.Aspect,
                LayoutSpectrum.Of(signature.Layout, [Orientation.Identity], Spectrum(at)));
            _signatures[at] = signature;
            _ids[at] = id;
            _addedAt[at] = ++_generation;
            _positions[id] = at;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// Whether the index holds the design with exactly this stored signature: adding it again would change nothing but
    /// make every pending search judge it again (see <see cref="Finish"/>).
    /// </summary>
    public bool Holds(Guid id, ulong key, ReadOnlySpan<byte> signature)
    {
        _gate.EnterReadLock();
        try
        {
            return _positions.TryGetValue(id, out int at) && _signatures[at].IsStoredAs(key, signature);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Removes a design (a deleted one); false when it was not present.</summary>
    public bool Remove(Guid id)
    {
        _gate.EnterWriteLock();
        try
        {
            return RemoveLocked(id);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// Every stored design related to <paramref name="query"/>, duplicates and mirror images before colour variants,
    /// then by distance and id. <paramref name="excludeId"/> leaves the query's own design out.
    /// </summary>
    public List<RelatedDesign> Find(ArtworkSignature query, DuplicateRules? rules = null, Guid? excludeId = null)
        => Finish(Begin(query, rules, excludeId));

    /// <summary>
    /// Judges <paramref name="query"/> against the designs in the index now, for a <see cref="Finish"/> that judges it
    /// against those added in the meantime: the costly part of a search can run before the caller serialises.
    /// </summary>
    public PendingArtworkSearch Begin(ArtworkSignature query, DuplicateRules? rules = null, Guid? excludeId = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        rules ??= DuplicateRules.Default;
        _gate.EnterReadLock();
        try
        {
            return new PendingArtworkSearch(this, query, rules, excludeId, _generation, JudgeAddedAfter(query, rules, excludeId, addedAfter: 0));
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// What <see cref="Find"/> would return now, from a search begun earlier: its designs that are still in the index
    /// unchanged, and the designs added since, judged now. A search begun on another index is done here in full.
    /// </summary>
    public List<RelatedDesign> Finish(PendingArtworkSearch search)
    {
        ArgumentNullException.ThrowIfNull(search);
        if (search.Index != this)
        {
            return Find(search.Query, search.Rules, search.ExcludeId);
        }

        List<RelatedDesign> related;
        _gate.EnterReadLock();
        try
        {
            related = search.Generation == _generation ? [] : JudgeAddedAfter(search.Query, search.Rules, search.ExcludeId, search.Generation);
            related.AddRange(search.Found.Where(r => _positions.TryGetValue(r.Id, out int at) && _addedAt[at] <= search.Generation));
        }
        finally
        {
            _gate.ExitReadLock();
        }

        related.Sort(static (a, b) =>
        {
            int c = a.Match.Relation.IsDuplicate().CompareTo(b.Match.Relation.IsDuplicate());
            if (c != 0)
            {
                return -c;
            }

            c = a.Match.Distance.CompareTo(b.Match.Distance);
            return c != 0 ? c : a.Id.CompareTo(b.Id);
        });
        return related;
    }

    // Under the read lock: the designs added after the given generation that the judge relates to the query.
    private List<RelatedDesign> JudgeAddedAfter(ArtworkSignature query, DuplicateRules rules, Guid? excludeId, long addedAfter)
    {
        var related = new List<RelatedDesign>();
        if (query.IsBlank)
        {
            return related;
        }

        var candidates = new List<int>();
        Scan(new ScanQuery(query, rules, addedAfter), candidates);
        var judged = new ArtworkQuery(query);
        foreach (int i in candidates)
        {
            if (_ids[i] != excludeId && DuplicateJudge.Judge(judged, _signatures[i], rules) is { } match)
            {
                related.Add(new RelatedDesign(_ids[i], match));
            }
        }

        return related;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>What the scan tests against each design, computed once per query: per judged orientation, the outline,
    /// the aspect and the layout's kept coefficients of the query turned over that way; and which designs it looks at.</summary>
    private readonly struct ScanQuery
    {
        private readonly float[] _spectra;

        public ScanQuery(ArtworkSignature query, DuplicateRules rules, long addedAfter)
        {
            AddedAfter = addedAfter;
            var orientations = Orientation.Judged;
            Key = query.Key;
            Rules = rules;
            Outlines = new ulong[orientations.Count];
            Aspects = new double[orientations.Count];
            _spectra = new float[orientations.Count * LayoutSpectrum.Length];
            for (int o = 0; o < orientations.Count; o++)
            {
                Outlines[o] = query.Outline(orientations[o]);
                Aspects[o] = DuplicateJudge.OrientedAspect(query, orientations[o]);
            }

            SpectrumRest = LayoutSpectrum.Of(query.Layout, [.. orientations], _spectra);
        }

        public ulong Key { get; }

        /// <summary>Only designs added after this generation are scanned.</summary>
        public long AddedAfter { get; }

        public DuplicateRules Rules { get; }

        public ulong[] Outlines { get; }

        public double[] Aspects { get; }

        public float SpectrumRest { get; }

        public ReadOnlySpan<float> Spectrum(int orientation) => _spectra.AsSpan(orientation * LayoutSpectrum.Length, LayoutSpectrum.Length);
    }

    private Span<float> Spectrum(int at) => _spectra.AsSpan(at * LayoutSpectrum.Length, LayoutSpectrum.Length);

    /// <summary>What the scan's tests after the key read of a design, together: one cache line holds four, so a design
    /// whose key passes costs one memory access before its layout's.</summary>
    private readonly record struct ScanEntry(ulong Outline, float Aspect, float SpectrumRest);

    // The judge's tests that need no more than a few numbers per design, in the order they reject most for least work
    // (outline, aspect, the layout's correlation bound): almost every design ends here without its signature being
    // touched, and none ends here that the judge would relate. Then designs the query has been judged against already
    // are skipped.
    private bool MayRelate(in ScanQuery query, int i)
    {
        ref readonly ScanEntry entry = ref _entries[i];
        for (int o = 0; o < query.Outlines.Length; o++)
        {
            int distance = BitOperations.PopCount(query.Outlines[o] ^ entry.Outline);
            if (distance <= query.Rules.OutlineDistance
                && DuplicateJudge.AspectsAgree(query.Aspects[o], entry.Aspect, query.Rules)
                && !(LayoutSpectrum.Bound(query.Spectrum(o), query.SpectrumRest, Spectrum(i), entry.SpectrumRest)
                    < query.Rules.RequiredCorrelation(distance)))
            {
                return _addedAt[i] > query.AddedAfter;
            }
        }

        return false;
    }

    // In chunks: the designs whose keys are within the distance (a streaming scan), then of those the ones whose outline
    // is within it for some orientation, then the other tests. The outline pass has no branch on what it loads, so the
    // CPU keeps many of its cache misses in flight at once (at 1,000,000 designs each near key is one, on its own a
    // memory latency per design).
    private void Scan(in ScanQuery query, List<int> hits)
    {
        Span<int> near = stackalloc int[NearChunk];
        for (int next = 0; next < _count;)
        {
            next = NearKeys(query, next, near, out int found);
            var outlined = near[..NearOutlines(query, near[..found])];
            for (int j = 0; j < outlined.Length; j++)
            {
                if (j + PrefetchDistance < outlined.Length)
                {
                    Prefetch(ref _spectra[outlined[j + PrefetchDistance] * LayoutSpectrum.Length], bytes: LayoutSpectrum.Length * sizeof(float));
                }

                if (MayRelate(query, outlined[j]))
                {
                    hits.Add(outlined[j]);
                }
            }
        }
    }

    private const int NearChunk = 1024;

    // How many designs ahead the passes over near designs ask for the memory they will read: enough to cover a memory
    // latency at the few nanoseconds each design's test takes.
    private const int PrefetchDistance = 16;

    // A hint, harmless if the array has moved since: the cache lines of the (at most 64) bytes from there on are
    // fetched meanwhile.
    private static unsafe void Prefetch<T>(ref T at, int bytes)
    {
        if (Sse.IsSupported)
        {
            byte* first = (byte*)Unsafe.AsPointer(ref at);
            Sse.Prefetch0(first);
            Sse.Prefetch0(first + bytes - 1);
        }
    }

    // Fills near with the designs from start on whose keys are within the distance, until it is full or the scan is
    // done; returns the first index not scanned.
    private int NearKeys(in ScanQuery query, int start, Span<int> near, out int found)
    {
        int i = start, n = 0;
        if (Avx2.IsSupported)
        {
            // Four keys per step: XOR, per-byte popcount by two 16-entry table lookups (vpshufb), horizontal sum per
            // 64-bit lane (vpsadbw), compare with the limit, four-bit mask.
            var table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
            var lowNibble = Vector256.Create((byte)0x0F);
            var key = Vector256.Create(query.Key);
            var limitPlusOne = Vector256.Create(query.Rules.KeyDistance + 1L);
            ref ulong keys = ref MemoryMarshal.GetArrayDataReference(_keys);
            for (; i + 4 <= _count; i += 4)
            {
                if (n > near.Length - 4)
                {
                    found = n;
                    return i;
                }

                uint mask = WithinMask(Vector256.LoadUnsafe(ref keys, (nuint)i) ^ key, limitPlusOne, table, lowNibble);
                while (mask != 0)
                {
                    near[n++] = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                }
            }
        }

        for (; i < _count && n < near.Length; i++)
        {
            if (BitOperations.PopCount(_keys[i] ^ query.Key) <= query.Rules.KeyDistance)
            {
                near[n++] = i;
            }
        }

        found = n;
        return i;
    }

    // Keeps, in place and in order, the designs whose outline is within the distance in some judged orientation;
    // returns how many.
    private int NearOutlines(in ScanQuery query, Span<int> near)
    {
        ReadOnlySpan<ulong> outlines = query.Outlines;
        int limit = query.Rules.OutlineDistance, kept = 0;
        for (int j = 0; j < near.Length; j++)
        {
            if (j + PrefetchDistance < near.Length)
            {
                Prefetch(ref _entries[near[j + PrefetchDistance]], bytes: Unsafe.SizeOf<ScanEntry>());
            }

            int i = near[j];
            ulong outline = _entries[i].Outline;
            int closest = int.MaxValue;
            foreach (ulong o in outlines)
            {
                closest = Math.Min(closest, BitOperations.PopCount(o ^ outline));
            }

            near[kept] = i;
            kept += closest <= limit ? 1 : 0;
        }

        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint WithinMask(Vector256<ulong> x, Vector256<long> limitPlusOne, Vector256<byte> table, Vector256<byte> lowNibble)
    {
        Vector256<byte> bytes = x.AsByte();
        Vector256<byte> lo = bytes & lowNibble;
        Vector256<byte> hi = Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & lowNibble;
        Vector256<byte> perByte = Avx2.Shuffle(table, lo) + Avx2.Shuffle(table, hi);
        Vector256<long> distance = Avx2.SumAbsoluteDifferences(perByte, Vector256<byte>.Zero).AsInt64();
        return (uint)Avx.MoveMask(Avx2.CompareGreaterThan(limitPlusOne, distance).AsDouble());
    }

    private bool RemoveLocked(Guid id)
    {
        if (!_positions.Remove(id, out int at))
        {
            return false;
        }

        // Keep the arrays dense: move the last entry into the hole.
        int last = --_count;
        if (at != last)
        {
            _keys[at] = _keys[last];
            _entries[at] = _entries[last];
            Spectrum(last).CopyTo(Spectrum(at));
            _signatures[at] = _signatures[last];
            _ids[at] = _ids[last];
            _addedAt[at] = _addedAt[last];
            _positions[_ids[at]] = at;
        }

        _signatures[last] = null!;
        _ids[last] = default;
        return true;
    }
}
