using CraftFlow.Data.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CraftFlow.Api.Infrastructure;

/// <summary>A file of a multipart request, already in the blob store.</summary>
public sealed record UploadedFile(string FileName, string ContentType, StoredBlob Blob);

/// <summary>What a multipart request carried: its files (stored as they streamed in) and its form fields.</summary>
public sealed record MultipartForm(IReadOnlyList<UploadedFile> Files, IReadOnlyDictionary<string, string> Fields);

/// <summary>Why a multipart request was refused, mapped to its status code by the caller.</summary>
public sealed class UploadRejectedException(int statusCode, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// Reads multipart/form-data section by section, streaming each file into the blob store while it
/// is hashed: a request is never held in memory whole, whatever its size.
/// </summary>
public static class MultipartUpload
{
    private const int MaxFieldBytes = 16 * 1024;

    public static async Task<MultipartForm> ReadAsync(
        HttpRequest request, IBlobStore blobs, int maxFiles, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "Send the files as multipart/form-data.");
        }

        var files = new List<UploadedFile>();
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
                if (files.Count == maxFiles)
                {
                    throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"At most {maxFiles} files per upload.");
                }

                var fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value ?? "upload");
                files.Add(await StoreFileAsync(section.Body, fileName, blobs, maxFileBytes, cancellationToken));
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

        return new MultipartForm(files, fields);
    }

    private static async Task<UploadedFile> StoreFileAsync(Stream body, string fileName, IBlobStore blobs, long maxFileBytes, CancellationToken cancellationToken)
    {
        var header = new byte[ImageSniffer.HeaderBytes];
        var headerLength = await body.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (headerLength == 0)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, $"'{fileName}' is empty.");
        }

        var contentType = ImageSniffer.Detect(header.AsSpan(0, headerLength))
            ?? throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType,
                $"'{fileName}' is not a JPEG, PNG, WebP, GIF, BMP or TIFF image.");
        try
        {
            var blob = await blobs.PutAsync(new PrefixedStream(header.AsMemory(0, headerLength), body), maxFileBytes, cancellationToken);
            return new UploadedFile(fileName, contentType, blob);
        }
        catch (BlobTooLargeException)
        {
            throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, $"'{fileName}' is larger than {maxFileBytes} bytes.");
        }
    }
}
