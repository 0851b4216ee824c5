using CraftFlow.Imaging.Hashing;

using ImageMagick;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Turns untrusted bytes into pixels behind the limits of <see cref="ImagingOptions"/>: the file size is
/// bounded while reading, the format is recognised by signature, the pixel count is read from the header
/// (ImageMagick's ping) before anything is decoded, and ImageMagick's resource limits cap what is left.
/// Every failure is an <see cref="ImageRejectedException"/>.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Reads the whole stream, refusing it as soon as it exceeds <see cref="ImagingOptions.MaxFileBytes"/>.</summary>
    public static byte[] ReadBounded(Stream stream, ImagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        if (stream.CanSeek && stream.Length - stream.Position > options.MaxFileBytes)
        {
            throw TooLarge(options);
        }

        using var buffer = stream.CanSeek ? new MemoryStream((int)(stream.Length - stream.Position)) : new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > options.MaxFileBytes)
            {
                throw TooLarge(options);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    /// <summary>Recognises the format and reads the declared size without decoding pixels; enforces the pixel limit.</summary>
    public static ImageHeader ReadHeader(byte[] data, ImagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Length > options.MaxFileBytes)
        {
            throw TooLarge(options);
        }

        var format = ImageFormatSniffer.Detect(data);
        if (format == ImageContainerFormat.Unknown)
        {
            throw new ImageRejectedException(
                data.Length == 0 ? ImageRejectionReason.Corrupt : ImageRejectionReason.UnsupportedFormat,
                data.Length == 0 ? "The file is empty." : "Not a JPEG, PNG, WebP, GIF, BMP or TIFF file.");
        }

        MagickResourceGuard.Apply(options);
        if (DeclaredDimensions.TryRead(data, format, out long declaredWidth, out long declaredHeight))
        {
            // The declared size is enough to refuse a bomb; ImageMagick's ping is only needed where we do
            // not parse the header ourselves (TIFF), which saves a second parse of every upload.
            EnsureWithinPixelLimits(declaredWidth, declaredHeight, options);
            if (declaredWidth > 0 && declaredHeight > 0)
            {
                return new ImageHeader(format, (int)declaredWidth, (int)declaredHeight);
            }
        }

        int width, height;
        try
        {
            var info = new MagickImageInfo(data, CreateReadSettings(format));
            width = checked((int)info.Width);
            height = checked((int)info.Height);
        }
        catch (MagickException ex)
        {
            throw Translate(ex);
        }
        catch (OverflowException ex)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels, "The image dimensions are out of range.", ex);
        }

        if (width <= 0 || height <= 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The image declares no pixels.");
        }

        EnsureWithinPixelLimits(width, height, options);
        return new ImageHeader(format, width, height);
    }

    /// <summary>
    /// Decodes to Pillow's <c>convert('L')</c> of <c>Image.open(file)</c>: first frame, no EXIF orientation,
    /// alpha ignored (the colour under transparent pixels counts), CMYK via Pillow's naive formula, 16-bit
    /// PNG samples clamped or cut to their high byte as Pillow does.
    /// </summary>
    public static GrayImage DecodeGrayscale(Stream stream, ImagingOptions? options = null)
    {
        options ??= ImagingOptions.Default;
        return DecodeGrayscale(ReadBounded(stream, options), options);
    }

    public static GrayImage DecodeGrayscale(byte[] data, ImagingOptions? options = null)
    {
        options ??= ImagingOptions.Default;
        var header = ReadHeader(data, options);
        if (header.Format == ImageContainerFormat.Png)
        {
            var sink = new GrayRowSink();
            DecodePng(data, sink);
            return sink.Image!;
        }

        if (DecodeWithOwnReader(data, header) is { } own)
        {
            return own;
        }

        using var image = ReadMagick(data, header, options);
        return GrayscaleOf(image, header);
    }

    /// <summary>
    /// One decode, two results: Pillow's grayscale of the stored pixels (for the imagehash-compatible hashes)
    /// and the design as a viewer sees it, reduced (<see cref="RgbaImage"/>: orientation applied, sRGB). PNG,
    /// the usual print file, is decoded row by row by <see cref="PngDecoder"/> and its full-size RGBA never
    /// exists; other formats are decoded once by ImageMagick and both results come from its pixels (the rare
    /// 16-bit TIFF and BMP files, whose gray needs our own readers, are read by ImageMagick once more for display).
    /// The caller disposes the gray image.
    /// </summary>
    internal static (GrayImage Gray, RgbaImage Appearance) DecodeForAnalysis(byte[] data, ImageHeader header, ImagingOptions options)
    {
        if (header.Format == ImageContainerFormat.Png)
        {
            var sink = new AnalysisRowSink();
            try
            {
                var metadata = DecodePng(data, sink);
                var appearance = sink.Reducer!.ToImage();
                if (metadata.IccProfile is { } profile)
                {
                    appearance = ToSrgb(appearance, profile);
                }

                return (sink.Gray!, appearance.Oriented(metadata.ExifOrientation));
            }
            catch
            {
                sink.Gray?.Dispose();
                throw;
            }
        }

        GrayImage? gray = DecodeWithOwnReader(data, header);
        try
        {
            using var image = ReadMagick(data, header, options);
            gray ??= GrayscaleOf(image, header);
            PrepareForDisplay(image);
            return (gray, Reduce(image));
        }
        catch (MagickException ex)
        {
            gray?.Dispose();
            throw Translate(ex);
        }
        catch
        {
            gray?.Dispose();
            throw;
        }
    }

    private static PngMetadata DecodePng(byte[] data, IDecodedRowSink sink)
    {
        try
        {
            return PngDecoder.Decode(data, sink);
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidDataException)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The image data is corrupt.", ex);
        }
    }

    /// <summary>The formats whose Pillow grayscale ImageMagick's Q8 build cannot give (16-bit and palette TIFF, 16-bit BMP).</summary>
    private static GrayImage? DecodeWithOwnReader(byte[] data, ImageHeader header)
    {
        try
        {
            if (header.Format == ImageContainerFormat.Tiff && RawTiffDecoder.TryDecodeToGray(data) is { } sixteenBitTiff)
            {
                return sixteenBitTiff;
            }

            if (header.Format == ImageContainerFormat.Bmp && SixteenBitBmpDecoder.TryDecodeToGray(data) is { } sixteenBitBmp)
            {
                return sixteenBitBmp;
            }
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidDataException)
        {
            // Our own parsers index into untrusted bytes; any inconsistency they trip over is a corrupt file.
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The image data is corrupt.", ex);
        }

        return null;
    }

    private static GrayImage GrayscaleOf(MagickImage image, ImageHeader header)
    {
        int width = (int)image.Width;
        int height = (int)image.Height;
        var frame = GrayImage.Allocate(width, height);
        try
        {
            using var pixels = image.GetPixelsUnsafe();

            // Read straight from ImageMagick's pixel cache (no export copy), one image row at a time.
            int channels = (int)image.ChannelCount;
            bool cmyk = image.ColorSpace == ColorSpace.CMYK;
            bool singleGray = image.ColorSpace is ColorSpace.Gray or ColorSpace.LinearGray;
            int first = ChannelIndex(pixels, cmyk ? PixelChannel.Cyan : PixelChannel.Red);
            int second = ChannelIndex(pixels, cmyk ? PixelChannel.Magenta : PixelChannel.Green);
            int third = ChannelIndex(pixels, cmyk ? PixelChannel.Yellow : PixelChannel.Blue);
            int black = cmyk ? ChannelIndex(pixels, PixelChannel.Black) : -1;
            if (cmyk && (first < 0 || second < 0 || third < 0 || black < 0))
            {
                throw CorruptNoPixels();
            }

            Span<byte> gray = frame.Writable;
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = pixels.GetReadOnlyArea(0, y, (uint)width, 1);
                if (row.Length < width * channels)
                {
                    throw CorruptNoPixels();
                }

                Span<byte> target = gray.Slice(y * width, width);
                if (cmyk)
                {
                    PillowGrayscale.FromChannelsCmyk(row, channels, first, second, third, black, target);
                }
                else if (singleGray || first < 0 || second < 0 || third < 0)
                {
                    // Gray stores one channel (R = G = B), and L24(v, v, v) == v.
                    PillowGrayscale.CopyChannel(row, channels, Math.Max(first, 0), target);
                }
                else
                {
                    PillowGrayscale.FromChannelsRgb(row, channels, first, second, third, target);
                }
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }

        return header.Format == ImageContainerFormat.Gif ? PlaceGifFrameOnScreen(image, frame, header) : frame;
    }

    /// <summary>The display copy of a decoded image (already oriented and sRGB), area-reduced row band by row band.</summary>
    private static RgbaImage Reduce(MagickImage image)
    {
        int width = (int)image.Width, height = (int)image.Height;
        var reducer = new AreaReducer(width, height);
        using var pixels = image.GetPixelsUnsafe();
        int channels = (int)image.ChannelCount;
        bool rgbFirst = ChannelIndex(pixels, PixelChannel.Red) == 0 && ChannelIndex(pixels, PixelChannel.Green) == 1
            && ChannelIndex(pixels, PixelChannel.Blue) == 2;
        bool opaqueRgb = rgbFirst && !image.HasAlpha && channels == 3;
        bool rgba = rgbFirst && image.HasAlpha && channels == 4 && ChannelIndex(pixels, PixelChannel.Alpha) == 3;
        if (opaqueRgb || rgba)
        {
            // The pixel cache's own rows, read in place: no exported copy per band.
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = pixels.GetReadOnlyArea(0, y, (uint)width, 1);
                if (row.Length < width * channels)
                {
                    throw CorruptNoPixels();
                }

                if (rgba)
                {
                    reducer.AddRow(y, row);
                }
                else
                {
                    reducer.AddOpaqueRgbRow(y, row);
                }
            }

            return reducer.ToImage();
        }

        const int band = 64;
        for (int y = 0; y < height; y += band)
        {
            int rows = Math.Min(band, height - y);
            byte[] exported = pixels.ToByteArray(0, y, (uint)width, (uint)rows, PixelMapping.RGBA) ?? throw CorruptNoPixels();
            for (int r = 0; r < rows; r++)
            {
                reducer.AddRow(y + r, exported.AsSpan(r * width * 4, width * 4));
            }
        }

        return reducer.ToImage();
    }

    /// <summary>Applies an embedded ICC profile to a display copy; a profile that does not fit RGB data is ignored.</summary>
    private static RgbaImage ToSrgb(RgbaImage image, byte[] profile)
    {
        try
        {
            using var magick = new MagickImage();
            magick.ReadPixels(image.Pixels, new PixelReadSettings((uint)image.Width, (uint)image.Height, StorageType.Char, PixelMapping.RGBA));
            magick.SetProfile(new ColorProfile(profile));
            if (!magick.TransformColorSpace(new ColorProfile(profile), ColorProfiles.SRGB))
            {
                return image;
            }

            using var pixels = magick.GetPixelsUnsafe();
            return pixels.ToByteArray(PixelMapping.RGBA) is { } converted && converted.Length >= image.Width * image.Height * 4
                ? new RgbaImage(image.Width, image.Height, converted)
                : image;
        }
        catch (MagickException)
        {
            return image;
        }
    }

    /// <summary>
    /// Decodes the first frame for display (thumbnails, mockups): EXIF orientation applied, alpha kept,
    /// converted to sRGB. The caller owns the returned image.
    /// </summary>
    public static MagickImage DecodeForRendering(byte[] data, ImagingOptions? options = null)
    {
        options ??= ImagingOptions.Default;
        var header = ReadHeader(data, options);
        var image = ReadMagick(data, header, options);
        try
        {
            PrepareForDisplay(image);
            return image;
        }
        catch (MagickException ex)
        {
            image.Dispose();
            throw Translate(ex);
        }
    }

    /// <summary>EXIF orientation applied, an embedded ICC profile applied, sRGB colour with 8-bit channels.</summary>
    private static void PrepareForDisplay(MagickImage image)
    {
        image.AutoOrient();

        // Outputs are stripped of metadata, so an embedded ICC profile (Adobe RGB, a print CMYK profile)
        // must be applied now or its colours would be shown as if they were sRGB.
        if (image.GetColorProfile() is not null)
        {
            try
            {
                image.TransformColorSpace(ColorProfiles.SRGB);
            }
            catch (MagickException)
            {
                // A broken profile is ignored; the naive conversion below still yields sRGB.
            }
        }

        // CMYK and grayscale sources become sRGB so colour composited onto them stays colour.
        if (image.ColorSpace != ColorSpace.sRGB)
        {
            image.ColorSpace = ColorSpace.sRGB;
        }

        if (image.ColorType is ColorType.Grayscale or ColorType.GrayscaleAlpha or ColorType.Palette or ColorType.PaletteAlpha or ColorType.Bilevel)
        {
            image.ColorType = image.HasAlpha ? ColorType.TrueColorAlpha : ColorType.TrueColor;
        }
    }

    public static MagickImage DecodeForRendering(Stream stream, ImagingOptions? options = null)
    {
        options ??= ImagingOptions.Default;
        return DecodeForRendering(ReadBounded(stream, options), options);
    }

    /// <summary>
    /// A GIF's first frame may be smaller than its logical screen. Pillow returns the whole screen, with the
    /// area outside the frame at palette index 0; ImageMagick returns only the frame (and its page offset).
    /// </summary>
    private static GrayImage PlaceGifFrameOnScreen(MagickImage image, GrayImage frame, ImageHeader header)
    {
        int screenWidth = header.Width, screenHeight = header.Height;
        int left = image.Page.X, top = image.Page.Y;
        if ((frame.Width == screenWidth && frame.Height == screenHeight) || screenWidth <= 0 || screenHeight <= 0)
        {
            return frame;
        }

        byte fill = 0;
        if (image.ColormapSize > 0 && image.GetColormapColor(0) is { } first)
        {
            fill = PillowGrayscale.Luma(first.R, first.G, first.B);
        }

        using var owned = frame;
        var result = GrayImage.Allocate(screenWidth, screenHeight);
        Span<byte> screen = result.Writable;
        screen.Fill(fill);
        for (int y = 0; y < frame.Height; y++)
        {
            int sy = y + top;
            if (sy < 0 || sy >= screenHeight)
            {
                continue;
            }

            int x0 = Math.Max(0, -left);
            int x1 = Math.Min(frame.Width, screenWidth - left);
            if (x1 > x0)
            {
                frame.Span.Slice((y * frame.Width) + x0, x1 - x0).CopyTo(screen[((sy * screenWidth) + left + x0)..]);
            }
        }

        return result;
    }

    /// <summary>Writes decoded rows into a grayscale image.</summary>
    private sealed class GrayRowSink : IDecodedRowSink
    {
        public GrayImage? Image { get; private set; }

        public bool WantsRgba => false;

        public void Begin(int width, int height) => Image = GrayImage.Allocate(width, height);

        public void Row(int y, ReadOnlySpan<byte> gray, ReadOnlySpan<byte> rgba) => gray.CopyTo(Image!.Writable[(y * Image.Width)..]);
    }

    /// <summary>Writes decoded rows into a grayscale image and the area reducer of the display copy.</summary>
    private sealed class AnalysisRowSink : IDecodedRowSink
    {
        public GrayImage? Gray { get; private set; }

        public AreaReducer? Reducer { get; private set; }

        public bool WantsRgba => true;

        public void Begin(int width, int height)
        {
            Gray = GrayImage.Allocate(width, height);
            Reducer = new AreaReducer(width, height);
        }

        public void Row(int y, ReadOnlySpan<byte> gray, ReadOnlySpan<byte> rgba)
        {
            gray.CopyTo(Gray!.Writable[(y * Gray.Width)..]);
            Reducer!.AddRow(y, rgba);
        }
    }

    private static int ChannelIndex(IUnsafePixelCollection<byte> pixels, PixelChannel channel) =>
        pixels.GetChannelIndex(channel) is { } index ? (int)index : -1;

    private static MagickImage ReadMagick(byte[] data, ImageHeader header, ImagingOptions options)
    {
        var image = new MagickImage();
        MagickWarningException? corruption = null;
        image.Warning += (_, e) =>
        {
            // A truncated file decodes "successfully" with a corrupt-image warning and grey or missing rows;
            // Pillow refuses such files too, so they are rejected rather than hashed. libjpeg's benign
            // warnings (stray bytes between segments and the like), which Pillow ignores, are not.
            if (e.Exception is MagickCorruptImageWarningException && !IsBenignJpegWarning(header.Format, e.Message))
            {
                corruption ??= e.Exception;
            }
        };

        try
        {
            image.Read(data, CreateReadSettings(header.Format));
        }
        catch (MagickException ex)
        {
            image.Dispose();
            throw Translate(ex);
        }

        if (corruption is not null)
        {
            image.Dispose();
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The image data is corrupt or truncated.", corruption);
        }

        // The coder, not our header parse, has the last word on the size (a GIF frame may be smaller than
        // its screen); it must still respect the limits.
        if ((long)image.Width * image.Height > options.MaxPixels || image.Width > options.MaxDimension || image.Height > options.MaxDimension)
        {
            image.Dispose();
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels, "The decoded image exceeds the pixel limit.");
        }

        return image;
    }

    private static void EnsureWithinPixelLimits(long width, long height, ImagingOptions options)
    {
        if (width * height > options.MaxPixels || width > options.MaxDimension || height > options.MaxDimension)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyPixels,
                $"The image declares {width}x{height} pixels; the limit is {options.MaxPixels} pixels and {options.MaxDimension} per side.");
        }
    }

    private static bool IsBenignJpegWarning(ImageContainerFormat format, string message) =>
        format == ImageContainerFormat.Jpeg
        && !message.Contains("Premature end", StringComparison.OrdinalIgnoreCase)
        && (message.Contains("extraneous bytes", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Invalid SOS parameters", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Inconsistent progression", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Unknown APP", StringComparison.OrdinalIgnoreCase));

    private static MagickReadSettings CreateReadSettings(ImageContainerFormat format) => new()
    {
        Format = ImageFormatSniffer.ToMagickFormat(format),
        FrameIndex = 0,
        FrameCount = 1,
    };

    private static ImageRejectedException Translate(MagickException ex) => ex switch
    {
        MagickResourceLimitErrorException or MagickResourceLimitWarningException =>
            new ImageRejectedException(ImageRejectionReason.TooManyPixels, "The image exceeds the decoder's resource limits.", ex),
        _ when ex.Message.Contains("ExceedsLimit", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("ResourcesExhausted", StringComparison.OrdinalIgnoreCase) =>
            new ImageRejectedException(ImageRejectionReason.TooManyPixels, "The image exceeds the decoder's resource limits.", ex),
        MagickMissingDelegateErrorException =>
            new ImageRejectedException(ImageRejectionReason.UnsupportedFormat, "The image format is not supported.", ex),
        _ => new ImageRejectedException(ImageRejectionReason.Corrupt, "The image could not be decoded.", ex),
    };

    private static ImageRejectedException TooLarge(ImagingOptions options) =>
        new(ImageRejectionReason.TooLarge, $"The file is larger than {options.MaxFileBytes} bytes.");

    private static ImageRejectedException CorruptNoPixels() =>
        new(ImageRejectionReason.Corrupt, "The decoder returned no pixels.");
}
