namespace CraftFlow.Data.Entities;

/// <summary>PostgreSQL has no unsigned bigint: hashes are stored bit-for-bit in a signed column.</summary>
public static class HashBits
{
    public static long ToStored(ulong hash) => unchecked((long)hash);

    public static ulong FromStored(long stored) => unchecked((ulong)stored);
}
