using CraftFlow.Data.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CraftFlow.Api.Infrastructure;

/// <summary>A file of a multipart request, already in the blob store.</summary>
public sealed record UploadedFile(string FileName, string ContentType, StoredBlob Blob);

/// <summary>A file of a multipart request that was not stored, and why (the status it would have answered alone).</summary>
public sealed record RefusedFile(string FileName, string Reason, [property: System.Text.Json.Serialization.JsonIgnore] int StatusCode);

/// <summary>
/// What a multipart request carried: its files (stored as they streamed in), the files refused one by one (only
/// when the caller asked for that) and its form fields.
/// </summary>
public sealed record MultipartForm(IReadOnlyList<UploadedFile> Files, IReadOnlyList<RefusedFile> Refused, IReadOnlyDictionary<string, string> Fields);

/// <summary>Why a multipart request was refused, mapped to its status code by the caller.</summary>
public class UploadRejectedException(int statusCode, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>Why one file of a request was refused: not an image, or empty. Other files of the request may still be taken.</summary>
public sealed class FileRefusedException(int statusCode, string fileName, string detail) : UploadRejectedException(statusCode, detail)
{
    public string FileName { get; } = fileName;
}

/// <summary>
/// Reads multipart/form-data section by section, streaming each file into the blob store while it
/// is hashed: a request is never held in memory whole, whatever its size.
/// </summary>
public static class MultipartUpload
{
    private const int MaxFieldBytes = 16 * 1024;

    /// <summary>
    /// Reads the whole request; any bad file refuses all of it. With <paramref name="refuseFilesSeparately"/>, a file
    /// that is not an image (or is empty) is left out and listed in <see cref="MultipartForm.Refused"/> instead, while
    /// the request's limits (file count, a file's size, <paramref name="maxRequestBytes"/>) still refuse it whole.
    /// </summary>
    public static async Task<MultipartForm> ReadAsync(
        HttpRequest request, IBlobStore blobs, int maxFiles, long maxFileBytes, CancellationToken cancellationToken,
        bool refuseFilesSeparately = false, long? maxRequestBytes = null)
    {
        if (maxRequestBytes is { } limit)
        {
            // Our own count replaces Kestrel's default body limit (30 MB), with our own answer (a 413 problem).
            if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = null;
            }

            request.Body = new BoundedReadStream(request.Body, limit);
        }

        var refused = new List<RefusedFile>();
        var (files, fields) = await ReadAsync(
            request, maxFiles, async (body, fileName) =>
            {
                try
                {
                    return await StoreFileAsync(body, fileName, blobs, maxFileBytes, cancellationToken);
                }
                catch (FileRefusedException e) when (refuseFilesSeparately)
                {
                    refused.Add(new RefusedFile(e.FileName, e.Message, e.StatusCode));
                    return null;
                }
            }, cancellationToken);
        return new MultipartForm(files.OfType<UploadedFile>().ToList(), refused, fields);
    }

    /// <summary>Reads one image into memory (bounded) without storing it, for routes that only inspect an upload.</summary>
    public static async Task<(string FileName, byte[] Bytes)> ReadSingleImageAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        var (files, _) = await ReadAsync(request, maxFiles: 1, async (body, fileName) =>
        {
            var header = await ReadHeaderAsync(body, fileName, cancellationToken);
            using var buffer = new MemoryStream();
            await new PrefixedStream(header, body).CopyToAsync(new BoundedWriteStream(buffer, maxFileBytes, fileName), cancellationToken);
            return (fileName, buffer.ToArray());
        }, cancellationToken);
        return files.Count == 1 ? files[0] : throw new UploadRejectedException(StatusCodes.Status400BadRequest, "Attach one image file.");
    }

    private static async Task<(List<TFile> Files, Dictionary<string, string> Fields)> ReadAsync<TFile>(
        HttpRequest request, int maxFiles, Func<Stream, string, Task<TFile>> readFile, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "Send the files as multipart/form-data.");
        }

        var files = new List<TFile>();
        int fileParts = 0;
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            if (disposition.IsFileDisposition())
            {
                if (fileParts++ == maxFiles)
                {
                    throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"At most {maxFiles} files per upload.");
                }

                var fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value ?? "upload");
                files.Add(await readFile(section.Body, fileName));
            }
            else if (disposition.IsFormDisposition())
            {
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                var buffer = new byte[MaxFieldBytes + 1];
                var read = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (read > MaxFieldBytes)
                {
                    throw new UploadRejectedException(StatusCodes.Status400BadRequest, $"Form field '{name}' is too long.");
                }

                fields[name] = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
            }
        }

        return (files, fields);
    }

    private static async Task<UploadedFile?> StoreFileAsync(Stream body, string fileName, IBlobStore blobs, long maxFileBytes, CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(body, fileName, cancellationToken);
        var contentType = ImageSniffer.Detect(header.Span)!;
        try
        {
            var blob = await blobs.PutAsync(new PrefixedStream(header, body), maxFileBytes, cancellationToken);
            return new UploadedFile(fileName, contentType, blob);
        }
        catch (BlobTooLargeException)
        {
            throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"'{fileName}' is larger than {maxFileBytes} bytes.");
        }
    }

    /// <summary>Reads the first bytes of a file and refuses it unless they are an image format CraftFlow decodes.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadHeaderAsync(Stream body, string fileName, CancellationToken cancellationToken)
    {
        var header = new byte[ImageSniffer.HeaderBytes];
        var length = await body.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (length == 0)
        {
            throw new FileRefusedException(StatusCodes.Status400BadRequest, fileName, $"'{fileName}' is empty.");
        }

        return ImageSniffer.Detect(header.AsSpan(0, length)) is null
            ? throw new FileRefusedException(StatusCodes.Status415UnsupportedMediaType, fileName, $"'{fileName}' is not a JPEG, PNG, WebP, GIF, BMP or TIFF image.")
            : header.AsMemory(0, length);
    }

    /// <summary>Refuses a request body longer than the upload limit, whatever its parts say.</summary>
    private sealed class BoundedReadStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > maxBytes
                ? throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"The upload is larger than {maxBytes} bytes in all.")
                : read;
        }
    }

    /// <summary>Refuses to grow past a limit, so an in-memory read of an upload stays bounded.</summary>
    private sealed class BoundedWriteStream(MemoryStream inner, long maxBytes, string fileName) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (inner.Length + count > maxBytes)
            {
                throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"'{fileName}' is larger than {maxBytes} bytes.");
            }

            inner.Write(buffer, offset, count);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
