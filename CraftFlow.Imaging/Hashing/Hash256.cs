using System.Globalization;
using System.Numerics;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// A 256-bit hash (hash size 16). <see cref="Word0"/> holds the first 64 bits of imagehash's row-major
/// bit order, with the first bit as its most significant bit, so the hex form is the four words in order.
/// </summary>
public readonly record struct Hash256(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    public static int Distance(Hash256 a, Hash256 b) =>
        BitOperations.PopCount(a.Word0 ^ b.Word0) + BitOperations.PopCount(a.Word1 ^ b.Word1)
        + BitOperations.PopCount(a.Word2 ^ b.Word2) + BitOperations.PopCount(a.Word3 ^ b.Word3);

    /// <summary>imagehash's <c>str(hash)</c>: 64 lower-case hex digits.</summary>
    public string ToHex() =>
        string.Create(CultureInfo.InvariantCulture, $"{Word0:x16}{Word1:x16}{Word2:x16}{Word3:x16}");

    public static Hash256 ParseHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 64)
        {
            throw new FormatException("A 256-bit hash has 64 hex digits.");
        }

        return new Hash256(
            ulong.Parse(hex.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(hex.AsSpan(16, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(hex.AsSpan(32, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(hex.AsSpan(48, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    internal static Hash256 FromBits(ReadOnlySpan<bool> bits)
    {
        Span<ulong> words = stackalloc ulong[4];
        for (int i = 0; i < 256; i++)
        {
            words[i >> 6] = (words[i >> 6] << 1) | (bits[i] ? 1UL : 0UL);
        }

        return new Hash256(words[0], words[1], words[2], words[3]);
    }
}
