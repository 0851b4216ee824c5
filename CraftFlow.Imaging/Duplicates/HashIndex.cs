using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// In-memory near-duplicate index over one user's designs (sized for 1,000,000). Each hash kind lives in
/// its own contiguous <c>ulong[]</c>, so a query is a linear XOR + popcount scan that the CPU streams at
/// memory speed (AVX2: 4 hashes per instruction with a nibble-table popcount), about a millisecond per
/// million designs. The scan is exhaustive: the answer always equals a brute-force comparison against every
/// stored design. Exact duplicates are found through a SHA-256 dictionary.
/// </summary>
/// <remarks>
/// Thread safety: any number of concurrent <see cref="FindNear"/> calls; <see cref="Add"/>,
/// <see cref="Remove"/> and <see cref="Clear"/> take an exclusive lock and wait for running queries.
/// </remarks>
public sealed class HashIndex : IDisposable
{
    private const int KindCount = 4;
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<Guid, int> positions = [];
    private readonly Dictionary<Sha256Digest, List<Guid>> bySha = [];
    private ulong[][] hashes = [new ulong[16], new ulong[16], new ulong[16], new ulong[16]];
    private Guid[] ids = new Guid[16];
    private Sha256Digest?[] digests = new Sha256Digest?[16];
    private int count;

    public int Count
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                return count;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    /// <summary>Adds a design, or replaces the hashes of an id already present.</summary>
    public void Add(Guid id, DesignHashes designHashes, Sha256Digest? sha256 = null)
    {
        gate.EnterWriteLock();
        try
        {
            if (positions.ContainsKey(id))
            {
                RemoveLocked(id);
            }

            if (count == ids.Length)
            {
                Grow();
            }

            int at = count++;
            hashes[0][at] = designHashes.Average;
            hashes[1][at] = designHashes.Perceptual;
            hashes[2][at] = designHashes.Difference;
            hashes[3][at] = designHashes.Wavelet;
            ids[at] = id;
            digests[at] = sha256;
            positions[id] = at;
            if (sha256 is { } digest)
            {
                if (!bySha.TryGetValue(digest, out var list))
                {
                    bySha[digest] = list = [];
                }

                list.Add(id);
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Removes a design (a deleted or deactivated one); false when it was not present.</summary>
    public bool Remove(Guid id)
    {
        gate.EnterWriteLock();
        try
        {
            return RemoveLocked(id);
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    public void Clear()
    {
        gate.EnterWriteLock();
        try
        {
            positions.Clear();
            bySha.Clear();
            count = 0;
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// Every stored design within <paramref name="thresholds"/> of <paramref name="query"/>, plus the
    /// designs whose file has the same SHA-256. <paramref name="excludeId"/> leaves the query's own design out.
    /// </summary>
    public DuplicateSearchResult FindNear(DesignHashes query, DuplicateThresholds thresholds, Sha256Digest? sha256 = null, Guid? excludeId = null)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        gate.EnterReadLock();
        try
        {
            var exact = new List<Guid>();
            if (sha256 is { } digest && bySha.TryGetValue(digest, out var same))
            {
                exact.AddRange(same.Where(g => g != excludeId));
            }

            var near = new List<NearDuplicateMatch>();
            if (thresholds.HasAny && count > 0)
            {
                var hits = new List<int>();
                Scan(query, thresholds, hits);
                foreach (int i in hits)
                {
                    if (ids[i] == excludeId)
                    {
                        continue;
                    }

                    near.Add(new NearDuplicateMatch(
                        ids[i],
                        BitOperations.PopCount(hashes[0][i] ^ query.Average),
                        BitOperations.PopCount(hashes[1][i] ^ query.Perceptual),
                        BitOperations.PopCount(hashes[2][i] ^ query.Difference),
                        BitOperations.PopCount(hashes[3][i] ^ query.Wavelet)));
                }

                near.Sort(static (a, b) =>
                {
                    int c = a.PerceptualDistance.CompareTo(b.PerceptualDistance);
                    if (c == 0)
                    {
                        c = a.DifferenceDistance.CompareTo(b.DifferenceDistance);
                    }

                    return c != 0 ? c : a.Id.CompareTo(b.Id);
                });
            }

            return new DuplicateSearchResult(exact, near);
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    public void Dispose() => gate.Dispose();

    private void Scan(DesignHashes query, DuplicateThresholds thresholds, List<int> hits)
    {
        // Gather the enabled kinds once; a disabled kind neither includes nor excludes.
        Span<int> kinds = stackalloc int[KindCount];
        Span<ulong> queryValues = stackalloc ulong[KindCount];
        Span<int> limits = stackalloc int[KindCount];
        int enabled = 0;
        AddKind(0, thresholds.Average, query.Average, kinds, queryValues, limits, ref enabled);
        AddKind(1, thresholds.Perceptual, query.Perceptual, kinds, queryValues, limits, ref enabled);
        AddKind(2, thresholds.Difference, query.Difference, kinds, queryValues, limits, ref enabled);
        AddKind(3, thresholds.Wavelet, query.Wavelet, kinds, queryValues, limits, ref enabled);
        bool all = thresholds.Combination == ThresholdCombination.All;

        int i = 0;
        if (Avx2.IsSupported && count >= 4)
        {
            i = ScanAvx2(kinds[..enabled], queryValues, limits, all, hits);
        }

        for (; i < count; i++)
        {
            bool match = all;
            for (int k = 0; k < enabled; k++)
            {
                bool within = BitOperations.PopCount(hashes[kinds[k]][i] ^ queryValues[k]) <= limits[k];
                match = all ? match && within : match || within;
            }

            if (match)
            {
                hits.Add(i);
            }
        }
    }

    private static void AddKind(int kind, int? threshold, ulong value, Span<int> kinds, Span<ulong> values, Span<int> limits, ref int enabled)
    {
        if (threshold is { } t)
        {
            kinds[enabled] = kind;
            values[enabled] = value;
            limits[enabled] = t;
            enabled++;
        }
    }

    // Four hashes per step: XOR, per-byte popcount by two 16-entry table lookups (vpshufb), horizontal sum
    // per 64-bit lane (vpsadbw), compare with the threshold, four-bit mask. Returns the first index not scanned.
    private int ScanAvx2(ReadOnlySpan<int> kinds, ReadOnlySpan<ulong> queryValues, ReadOnlySpan<int> limits, bool all, List<int> hits)
    {
        var table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        var lowNibble = Vector256.Create((byte)0x0F);
        int enabled = kinds.Length;
        Span<ulong> queryCopy = stackalloc ulong[KindCount];
        Span<long> limitCopy = stackalloc long[KindCount];
        for (int k = 0; k < enabled; k++)
        {
            queryCopy[k] = queryValues[k];
            limitCopy[k] = limits[k] + 1L;
        }

        ref ulong a0 = ref MemoryMarshal.GetArrayDataReference(hashes[kinds[0]]);
        ref ulong a1 = ref MemoryMarshal.GetArrayDataReference(hashes[kinds[Math.Min(1, enabled - 1)]]);
        var q0 = Vector256.Create(queryCopy[0]);
        var l0 = Vector256.Create(limitCopy[0]);
        var q1 = Vector256.Create(queryCopy[Math.Min(1, enabled - 1)]);
        var l1 = Vector256.Create(limitCopy[Math.Min(1, enabled - 1)]);
        int end = count - (count % 4);
        int i = 0;
        for (; i < end; i += 4)
        {
            uint mask = WithinMask(Vector256.LoadUnsafe(ref a0, (nuint)i) ^ q0, l0, table, lowNibble);

            // With "All", the other kinds are read only where the first already matched: the scan is
            // memory-bound, and unrelated designs almost never pass the first hash.
            if (enabled > 1 && !(all && mask == 0))
            {
                uint m1 = WithinMask(Vector256.LoadUnsafe(ref a1, (nuint)i) ^ q1, l1, table, lowNibble);
                mask = all ? mask & m1 : mask | m1;
                for (int k = 2; k < enabled; k++)
                {
                    ref ulong ak = ref MemoryMarshal.GetArrayDataReference(hashes[kinds[k]]);
                    uint mk = WithinMask(Vector256.LoadUnsafe(ref ak, (nuint)i) ^ Vector256.Create(queryCopy[k]), Vector256.Create(limitCopy[k]), table, lowNibble);
                    mask = all ? mask & mk : mask | mk;
                }
            }

            while (mask != 0)
            {
                hits.Add(i + BitOperations.TrailingZeroCount(mask));
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
        if (!positions.Remove(id, out int at))
        {
            return false;
        }

        if (digests[at] is { } digest && bySha.TryGetValue(digest, out var list))
        {
            list.Remove(id);
            if (list.Count == 0)
            {
                bySha.Remove(digest);
            }
        }

        // Keep the arrays dense: move the last entry into the hole.
        int last = --count;
        if (at != last)
        {
            for (int k = 0; k < KindCount; k++)
            {
                hashes[k][at] = hashes[k][last];
            }

            ids[at] = ids[last];
            digests[at] = digests[last];
            positions[ids[at]] = at;
        }

        ids[last] = default;
        digests[last] = null;
        return true;
    }

    private void Grow()
    {
        int capacity = ids.Length * 2;
        var grown = new ulong[KindCount][];
        for (int k = 0; k < KindCount; k++)
        {
            grown[k] = new ulong[capacity];
            Array.Copy(hashes[k], grown[k], count);
        }

        hashes = grown;
        Array.Resize(ref ids, capacity);
        Array.Resize(ref digests, capacity);
    }
}
