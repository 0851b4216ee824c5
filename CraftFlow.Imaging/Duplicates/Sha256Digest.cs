using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>A SHA-256 of the uploaded file's bytes, as a value type usable as a dictionary key.</summary>
public readonly record struct Sha256Digest(ulong Part0, ulong Part1, ulong Part2, ulong Part3)
{
    public static Sha256Digest FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != 32)
        {
            throw new ArgumentException("A SHA-256 digest has 32 bytes.", nameof(digest));
        }

        return new Sha256Digest(
            BinaryPrimitives.ReadUInt64BigEndian(digest),
            BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));
    }

    public static Sha256Digest Compute(ReadOnlySpan<byte> fileBytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(fileBytes, digest);
        return FromBytes(digest);
    }

    public string ToHex() => $"{Part0:x16}{Part1:x16}{Part2:x16}{Part3:x16}";
}
