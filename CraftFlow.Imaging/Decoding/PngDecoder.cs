using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Receives a decoded image row by row, top to bottom: Pillow's <c>convert('L')</c> of the row and, when
/// <see cref="WantsRgba"/>, the row as 8-bit RGBA (not premultiplied) for display.
/// </summary>
internal interface IDecodedRowSink
{
    bool WantsRgba { get; }

    void Begin(int width, int height);

    void Row(int y, ReadOnlySpan<byte> gray, ReadOnlySpan<byte> rgba);
}

/// <summary>What a PNG carries besides its pixels that matters for display.</summary>
internal sealed record PngMetadata(byte[]? IccProfile, int ExifOrientation);

/// <summary>
/// Decodes every standard PNG (bit depths 1–16, all five colour types, Adam7) straight to Pillow 9.4's
/// grayscale and to 8-bit RGBA, without ImageMagick. A print file (4500×5400 RGBA) is inflated by .NET's
/// zlib-ng, unfiltered and converted one row at a time, so its full-size RGBA never exists in memory (an
/// interlaced file is the exception: its passes are assembled at full size). Pillow's rules: 16-bit gray is
/// clamped (mode <c>I</c>), 16-bit colour and gray+alpha keep their high byte, 1-bit gray is 0/255, 2- and
/// 4-bit gray are scaled by 85 and 17, palette entries the file does not define are Pillow's gray ramp, and
/// transparency is ignored for the gray image.
/// Why not ImageMagick, which decodes every other format here: on a print file its PNG read took 570–650 ms and
/// held the whole 97 MB RGBA image in its pixel cache; this reader takes about 75 ms of CPU and holds a few rows.
/// The limits (declared size, file size) are checked by <see cref="ImageDecoder"/> before it runs, and every
/// fixture and Pillow case pins its output.
/// </summary>
internal static class PngDecoder
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ];

    private static readonly (int X0, int Y0, int Dx, int Dy)[] Progressive = [(0, 0, 1, 1)];

    public static PngMetadata Decode(byte[] png, IDecodedRowSink sink)
    {
        var header = ParseChunks(png);
        var format = new PixelFormat(header);
        sink.Begin(header.Width, header.Height);
        try
        {
            using var inflater = new ZLibStream(new IdatStream(png, header.IdatChunks), CompressionMode.Decompress);
            if (header.Interlace == 0)
            {
                DecodeProgressive(inflater, header, format, sink);
            }
            else
            {
                DecodeInterlaced(inflater, header, format, sink);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "PNG image data is corrupt or truncated.", ex);
        }

        return new PngMetadata(header.IccProfile, header.ExifOrientation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeProgressive(ZLibStream inflater, Header header, PixelFormat format, IDecodedRowSink sink)
    {
        int width = header.Width;
        int stride = format.Stride(width);
        var pool = ArrayPool<byte>.Shared;
        byte[] previous = pool.Rent(stride);
        byte[] current = pool.Rent(stride + 1);
        byte[] gray = pool.Rent(width);
        byte[] rgba = sink.WantsRgba ? pool.Rent(width * 4) : [];
        try
        {
            previous.AsSpan(0, stride).Clear();
            for (int y = 0; y < header.Height; y++)
            {
                Span<byte> raw = current.AsSpan(0, stride + 1);
                inflater.ReadExactly(raw);
                Span<byte> line = raw[1..];
                Unfilter(raw[0], line, previous.AsSpan(0, stride), format.FilterBytes);
                format.Convert(line, width, gray.AsSpan(0, width), sink.WantsRgba ? rgba.AsSpan(0, width * 4) : default);
                sink.Row(y, gray.AsSpan(0, width), sink.WantsRgba ? rgba.AsSpan(0, width * 4) : default);
                line.CopyTo(previous);
            }
        }
        finally
        {
            pool.Return(previous);
            pool.Return(current);
            pool.Return(gray);
            if (rgba.Length > 0)
            {
                pool.Return(rgba);
            }
        }
    }

    private static void DecodeInterlaced(ZLibStream inflater, Header header, PixelFormat format, IDecodedRowSink sink)
    {
        int width = header.Width, height = header.Height;
        bool wantsRgba = sink.WantsRgba;
        var gray = new byte[(long)width * height];
        var rgba = wantsRgba ? new byte[(long)width * height * 4] : [];
        foreach (var (x0, y0, dx, dy) in Adam7)
        {
            int pw = (width - x0 + dx - 1) / dx;
            int ph = (height - y0 + dy - 1) / dy;
            if (pw <= 0 || ph <= 0)
            {
                continue;
            }

            int stride = format.Stride(pw);
            var previous = new byte[stride];
            var current = new byte[stride + 1];
            var passGray = new byte[pw];
            var passRgba = wantsRgba ? new byte[pw * 4] : [];
            for (int row = 0; row < ph; row++)
            {
                inflater.ReadExactly(current);
                Span<byte> line = current.AsSpan(1);
                Unfilter(current[0], line, previous, format.FilterBytes);
                format.Convert(line, pw, passGray, passRgba);
                long y = y0 + ((long)row * dy);
                for (int i = 0; i < pw; i++)
                {
                    long x = x0 + ((long)i * dx);
                    gray[(y * width) + x] = passGray[i];
                    if (wantsRgba)
                    {
                        passRgba.AsSpan(i * 4, 4).CopyTo(rgba.AsSpan((int)(((y * width) + x) * 4), 4));
                    }
                }

                line.CopyTo(previous);
            }
        }

        for (int y = 0; y < height; y++)
        {
            sink.Row(y, gray.AsSpan(y * width, width), wantsRgba ? rgba.AsSpan(y * width * 4, width * 4) : default);
        }
    }

    private static Header ParseChunks(byte[] png)
    {
        var header = new Header();
        int offset = 8;
        bool sawHeader = false, sawEnd = false;
        while (offset + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            if (length < 0 || offset + 12L + length > png.Length)
            {
                throw Corrupt("PNG chunk runs past the end of the file.");
            }

            ReadOnlySpan<byte> type = png.AsSpan(offset + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(offset + 8, length);
            bool critical = (type[0] & 0x20) == 0;
            bool intact = Crc32.HashToUInt32(png.AsSpan(offset + 4, length + 4)) == BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            if (!intact)
            {
                // libpng refuses a damaged critical chunk and skips a damaged ancillary one; so do we.
                if (critical)
                {
                    throw Corrupt("A PNG chunk fails its checksum.");
                }
            }
            else if (type.SequenceEqual("IHDR"u8) && length >= 13)
            {
                header.Width = BinaryPrimitives.ReadInt32BigEndian(data);
                header.Height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                header.BitDepth = data[8];
                header.ColorType = data[9];
                header.Interlace = data[12];
                sawHeader = true;
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                header.Palette = data.ToArray();
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                header.Transparency = data.ToArray();
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                header.IdatChunks.Add((offset + 8, length));
            }
            else if (type.SequenceEqual("iCCP"u8))
            {
                header.IccProfile = ReadIccProfile(data);
            }
            else if (type.SequenceEqual("eXIf"u8))
            {
                header.ExifOrientation = ExifOrientation.Read(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }

            offset += 12 + length;
        }

        if (!sawHeader || header.Width <= 0 || header.Height <= 0)
        {
            throw Corrupt("PNG header is missing or invalid.");
        }

        if (!sawEnd || header.IdatChunks.Count == 0)
        {
            throw Corrupt("PNG is truncated or has no image data.");
        }

        return header;
    }

    private static byte[]? ReadIccProfile(ReadOnlySpan<byte> data)
    {
        // name (1–79 bytes), NUL, compression method 0, zlib stream. A profile we cannot read is ignored,
        // as ImageMagick ignores a broken one when rendering.
        int nul = data.IndexOf((byte)0);
        if (nul < 1 || nul + 2 > data.Length || data[nul + 1] != 0)
        {
            return null;
        }

        try
        {
            using var inflater = new ZLibStream(new MemoryStream(data[(nul + 2)..].ToArray()), CompressionMode.Decompress);
            using var profile = new MemoryStream();
            var chunk = new byte[16384];
            int read;
            while ((read = inflater.Read(chunk)) > 0)
            {
                if (profile.Length + read > 4 * 1024 * 1024)
                {
                    return null;
                }

                profile.Write(chunk, 0, read);
            }

            return profile.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < line.Length; i++)
                {
                    line[i] += line[i - bpp];
                }

                break;
            case 2:
                AddUp(line, previous);
                break;
            case 3:
                for (int i = 0; i < line.Length; i++)
                {
                    int left = i >= bpp ? line[i - bpp] : 0;
                    line[i] += (byte)((left + previous[i]) >> 1);
                }

                break;
            case 4:
                UnfilterPaeth(line, previous, bpp);
                break;
            default:
                throw Corrupt("Unknown PNG filter type.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddUp(Span<byte> line, ReadOnlySpan<byte> previous)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte l = ref MemoryMarshal.GetReference(line);
            ref byte p = ref MemoryMarshal.GetReference(previous);
            for (; i <= line.Length - 32; i += 32)
            {
                (Vector256.LoadUnsafe(ref l, (nuint)i) + Vector256.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref l, (nuint)i);
            }
        }

        for (; i < line.Length; i++)
        {
            line[i] += previous[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfilterPaeth(Span<byte> line, ReadOnlySpan<byte> previous, int bpp)
    {
        // Where the row and the one above are zero so far (the transparent margin of a print file), every
        // predictor is zero and nothing changes: start at the first pixel that has anything.
        int start = Math.Min(FirstNonZero(line), FirstNonZero(previous));
        start -= start % bpp;
        if (start >= line.Length)
        {
            return;
        }

        if (bpp == 4 && Vector128.IsHardwareAccelerated)
        {
            UnfilterPaeth4(line, previous, start);
            return;
        }

        for (int i = start; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
            line[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
    }

    // libpng's SSE2 formulation: one pixel per step in 16-bit lanes, the same choice as the scalar predictor.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfilterPaeth4(Span<byte> line, ReadOnlySpan<byte> previous, int start)
    {
        ref byte l = ref MemoryMarshal.GetReference(line);
        ref byte p = ref MemoryMarshal.GetReference(previous);
        Vector128<short> a = start >= 4 ? Widen(ref l, start - 4) : Vector128<short>.Zero;
        Vector128<short> c = start >= 4 ? Widen(ref p, start - 4) : Vector128<short>.Zero;
        for (int i = start; i < line.Length; i += 4)
        {
            Vector128<short> b = Widen(ref p, i);
            Vector128<short> pa = Vector128.Abs(b - c);
            Vector128<short> pb = Vector128.Abs(a - c);
            Vector128<short> pc = Vector128.Abs(a + b - c - c);
            Vector128<short> useA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
            Vector128<short> useB = Vector128.LessThanOrEqual(pb, pc);
            Vector128<short> predictor = Vector128.ConditionalSelect(useA, a, Vector128.ConditionalSelect(useB, b, c));
            Vector128<short> x = (Widen(ref l, i) + predictor) & Vector128.Create((short)0xFF);
            uint packed = Vector128.Narrow(x.AsUInt16(), x.AsUInt16()).AsUInt32().ToScalar();
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref l, i), packed);
            a = x;
            c = b;
        }
    }

    private static Vector128<short> Widen(ref byte source, int at) =>
        Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, at))).AsByte()).AsInt16();

    private static int FirstNonZero(ReadOnlySpan<byte> span)
    {
        int index = span.IndexOfAnyExcept((byte)0);
        return index < 0 ? span.Length : index;
    }

    private static ImageRejectedException Corrupt(string message) => new(ImageRejectionReason.Corrupt, message);

    private sealed class Header
    {
        public int Width { get; set; }

        public int Height { get; set; }

        public int BitDepth { get; set; }

        public int ColorType { get; set; } = -1;

        public int Interlace { get; set; }

        public byte[]? Palette { get; set; }

        public byte[]? Transparency { get; set; }

        public byte[]? IccProfile { get; set; }

        public int ExifOrientation { get; set; } = 1;

        public List<(int Offset, int Length)> IdatChunks { get; } = [];
    }

    /// <summary>How one colour type and bit depth is laid out, and its conversions to Pillow's L and to RGBA.</summary>
    private sealed class PixelFormat
    {
        private readonly int _colorType;
        private readonly int _bitDepth;
        private readonly int _channels;

        // Palette (or, for low-bit gray, the scaled gray levels) as R, G, B, A and Pillow's L per index.
        private readonly byte[] _lookupRgba = new byte[256 * 4];
        private readonly byte[] _lookupGray = new byte[256];
        private readonly int _keyGray = -1;
        private readonly (int R, int G, int B)? _keyRgb;

        public PixelFormat(Header header)
        {
            _colorType = header.ColorType;
            _bitDepth = header.BitDepth;
            _channels = header.ColorType switch
            {
                0 => 1,
                2 => 3,
                3 => 1,
                4 => 2,
                6 => 4,
                _ => throw Corrupt("Unknown PNG colour type."),
            };
            bool validDepth = _colorType switch
            {
                0 => _bitDepth is 1 or 2 or 4 or 8 or 16,
                3 => _bitDepth is 1 or 2 or 4 or 8,
                _ => _bitDepth is 8 or 16,
            };
            if (!validDepth || header.Interlace > 1)
            {
                throw Corrupt("Invalid PNG bit depth, colour type or interlace method.");
            }

            int bitsPerPixel = _channels * _bitDepth;
            FilterBytes = Math.Max(1, bitsPerPixel / 8);
            if (_colorType == 3)
            {
                byte[] palette = header.Palette ?? throw Corrupt("PNG palette image without a palette.");
                byte[] alpha = header.Transparency ?? [];
                for (int i = 0; i < 256; i++)
                {
                    bool defined = (i * 3) + 2 < palette.Length;
                    byte r = defined ? palette[i * 3] : (byte)i;
                    byte g = defined ? palette[(i * 3) + 1] : (byte)i;
                    byte b = defined ? palette[(i * 3) + 2] : (byte)i;
                    _lookupRgba[i * 4] = r;
                    _lookupRgba[(i * 4) + 1] = g;
                    _lookupRgba[(i * 4) + 2] = b;
                    _lookupRgba[(i * 4) + 3] = i < alpha.Length ? alpha[i] : (byte)255;
                    _lookupGray[i] = PillowGrayscale.Luma(r, g, b);
                }
            }
            else if (_colorType == 0 && _bitDepth <= 8)
            {
                int max = (1 << _bitDepth) - 1;
                for (int v = 0; v <= max; v++)
                {
                    byte level = (byte)(v * 255 / max);
                    _lookupGray[v] = level;
                    _lookupRgba[v * 4] = _lookupRgba[(v * 4) + 1] = _lookupRgba[(v * 4) + 2] = level;
                    _lookupRgba[(v * 4) + 3] = 255;
                }
            }

            if (header.Transparency is { } key && _colorType == 0 && key.Length >= 2)
            {
                _keyGray = BinaryPrimitives.ReadUInt16BigEndian(key);
            }
            else if (header.Transparency is { } rgbKey && _colorType == 2 && rgbKey.Length >= 6)
            {
                _keyRgb = (BinaryPrimitives.ReadUInt16BigEndian(rgbKey), BinaryPrimitives.ReadUInt16BigEndian(rgbKey.AsSpan(2)), BinaryPrimitives.ReadUInt16BigEndian(rgbKey.AsSpan(4)));
            }
        }

        /// <summary>The byte distance to the "left" sample for the scanline filters.</summary>
        public int FilterBytes { get; }

        public int Stride(int width) => checked((int)((((long)width * _channels * _bitDepth) + 7) / 8));

        public void Convert(ReadOnlySpan<byte> line, int width, Span<byte> gray, Span<byte> rgba)
        {
            bool wantsRgba = !rgba.IsEmpty;
            if (_bitDepth == 8 && _colorType == 6)
            {
                PillowGrayscale.FromRgba(line[..(width * 4)], gray);
                if (wantsRgba)
                {
                    line[..(width * 4)].CopyTo(rgba);
                }

                return;
            }

            if (_bitDepth < 8 || _colorType == 3)
            {
                int perByte = 8 / _bitDepth;
                int mask = (1 << _bitDepth) - 1;
                for (int x = 0; x < width; x++)
                {
                    int shift = 8 - (_bitDepth * ((x % perByte) + 1));
                    int index = (line[x / perByte] >> shift) & mask;
                    gray[x] = _lookupGray[index];
                    if (wantsRgba)
                    {
                        _lookupRgba.AsSpan(index * 4, 4).CopyTo(rgba.Slice(x * 4, 4));
                        if (_colorType == 0 && index == _keyGray)
                        {
                            rgba[(x * 4) + 3] = 0;
                        }
                    }
                }

                return;
            }

            int bytesPerSample = _bitDepth / 8;
            int bytesPerPixel = _channels * bytesPerSample;
            for (int x = 0; x < width; x++)
            {
                ReadOnlySpan<byte> px = line.Slice(x * bytesPerPixel, bytesPerPixel);
                byte r, g, b, a = 255;
                switch (_colorType)
                {
                    case 0:
                        int sample = bytesPerSample == 2 ? BinaryPrimitives.ReadUInt16BigEndian(px) : px[0];

                        // Pillow: 16-bit gray is mode I, clamped (not scaled) to 0..255.
                        gray[x] = bytesPerSample == 2 ? PillowGrayscale.ClampSixteenBit(sample) : px[0];
                        r = g = b = px[0];
                        if (sample == _keyGray)
                        {
                            a = 0;
                        }

                        break;
                    case 4:
                        r = g = b = gray[x] = px[0];
                        a = px[bytesPerSample];
                        break;
                    default:
                        r = px[0];
                        g = px[bytesPerSample];
                        b = px[2 * bytesPerSample];
                        gray[x] = PillowGrayscale.Luma(r, g, b);
                        if (_colorType == 6)
                        {
                            a = px[3 * bytesPerSample];
                        }
                        else if (_keyRgb is { } key && key == Samples(px, bytesPerSample))
                        {
                            a = 0;
                        }

                        break;
                }

                if (wantsRgba)
                {
                    rgba[x * 4] = r;
                    rgba[(x * 4) + 1] = g;
                    rgba[(x * 4) + 2] = b;
                    rgba[(x * 4) + 3] = a;
                }
            }
        }

        private static (int, int, int) Samples(ReadOnlySpan<byte> px, int bytesPerSample) => bytesPerSample == 2
            ? (BinaryPrimitives.ReadUInt16BigEndian(px), BinaryPrimitives.ReadUInt16BigEndian(px[2..]), BinaryPrimitives.ReadUInt16BigEndian(px[4..]))
            : (px[0], px[1], px[2]);
    }

    /// <summary>The concatenated payloads of the IDAT chunks, read in place.</summary>
    private sealed class IdatStream(byte[] png, List<(int Offset, int Length)> chunks) : Stream
    {
        private int _chunk;
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_chunk < chunks.Count && _position == chunks[_chunk].Length)
            {
                _chunk++;
                _position = 0;
            }

            if (_chunk == chunks.Count)
            {
                return 0;
            }

            var (offset, length) = chunks[_chunk];
            int n = Math.Min(buffer.Length, length - _position);
            png.AsSpan(offset + _position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
