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
    private ulong[] _outlines = new ulong[16];
    private float[] _aspects = new float[16];
    private float[] _spectra = new float[16 * LayoutSpectrum.Length];
    private float[] _spectrumRests = new float[16];
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
                Array.Resize(ref _outlines, _count * 2);
                Array.Resize(ref _aspects, _count * 2);
                Array.Resize(ref _spectra, _count * 2 * LayoutSpectrum.Length);
                Array.Resize(ref _spectrumRests, _count * 2);
                Array.Resize(ref _signatures, _count * 2);
                Array.Resize(ref _ids, _count * 2);
                Array.Resize(ref _addedAt, _count * 2);
            }

            int at = _count++;
            _keys[at] = signature.Key;
            _outlines[at] = signature.Outline(Orientation.Identity);
            _aspects[at] = signature.Aspect;
            _spectrumRests[at] = LayoutSpectrum.Of(signature.Layout, [Orientation.Identity], Spectrum(at));
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

    // Designs the query has been judged against already are skipped; then the judge's tests that need no more than a
    // few numbers per design, in the order they reject most for least work
    // (outline, aspect, the layout's correlation bound), run over the dense arrays: almost every design ends here
    // without its signature being touched, and none ends here that the judge would relate.
    private bool MayRelate(in ScanQuery query, int i)
    {
        if (_addedAt[i] <= query.AddedAfter)
        {
            return false;
        }

        for (int o = 0; o < query.Outlines.Length; o++)
        {
            int distance = BitOperations.PopCount(query.Outlines[o] ^ _outlines[i]);
            if (distance <= query.Rules.OutlineDistance
                && DuplicateJudge.AspectsAgree(query.Aspects[o], _aspects[i], query.Rules)
                && !(LayoutSpectrum.Bound(query.Spectrum(o), query.SpectrumRest, Spectrum(i), _spectrumRests[i])
                    < query.Rules.RequiredCorrelation(distance)))
            {
                return true;
            }
        }

        return false;
    }

    private void Scan(in ScanQuery query, List<int> hits)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            i = ScanAvx2(query, hits);
        }

        for (; i < _count; i++)
        {
            if (BitOperations.PopCount(_keys[i] ^ query.Key) <= query.Rules.KeyDistance && MayRelate(query, i))
            {
                hits.Add(i);
            }
        }
    }

    // Four keys per step: XOR, per-byte popcount by two 16-entry table lookups (vpshufb), horizontal sum per 64-bit
    // lane (vpsadbw), compare with the limit, four-bit mask; the few keys within it go on to the other tests at once.
    // Returns the first index not scanned.
    private int ScanAvx2(in ScanQuery query, List<int> hits)
    {
        var table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        var lowNibble = Vector256.Create((byte)0x0F);
        var key = Vector256.Create(query.Key);
        var limitPlusOne = Vector256.Create(query.Rules.KeyDistance + 1L);
        ref ulong keys = ref MemoryMarshal.GetArrayDataReference(_keys);
        int end = _count - (_count % 4);
        int i = 0;
        for (; i < end; i += 4)
        {
            uint mask = WithinMask(Vector256.LoadUnsafe(ref keys, (nuint)i) ^ key, limitPlusOne, table, lowNibble);
            while (mask != 0)
            {
                int hit = i + BitOperations.TrailingZeroCount(mask);
                if (MayRelate(query, hit))
                {
                    hits.Add(hit);
                }

                mask &= mask - 1;
            }
        }

        return i;
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
            _outlines[at] = _outlines[last];
            _aspects[at] = _aspects[last];
            Spectrum(last).CopyTo(Spectrum(at));
            _spectrumRests[at] = _spectrumRests[last];
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
