using CraftFlow.Data.Storage;
using Microsoft.Net.Http.Headers;

namespace CraftFlow.Api.Infrastructure;

public static class BlobResults
{
    /// <summary>
    /// Streams a blob with its SHA-256 as a strong ETag. Content-addressed bytes never change, so a
    /// client may keep them a year; If-None-Match answers 304 without reading the blob.
    /// </summary>
    public static async Task<IResult> StreamAsync(IBlobStore blobs, string sha256, string contentType, CancellationToken cancellationToken)
    {
        var stream = await blobs.OpenReadAsync(sha256, cancellationToken);
        if (stream is null)
        {
            return Problems.NotFound("Image file");
        }

        return new CacheableStreamResult(TypedResults.Stream(stream, contentType, entityTag: new EntityTagHeaderValue($"\"{sha256}\"")));
    }

    private sealed class CacheableStreamResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
