using CraftFlow.Data.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Infrastructure;

/// <summary>Turns the exceptions that mean "bad request" rather than "bug" into their 4xx problem details.</summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            BlobTooLargeException tooLarge => (StatusCodes.Status413PayloadTooLarge, tooLarge.Message),
            DbUpdateConcurrencyException => (StatusCodes.Status409Conflict, "The resource was changed by another request; reload and retry."),
            InvalidDataException invalid => (StatusCodes.Status400BadRequest, invalid.Message),
            _ => (0, string.Empty),
        };
        if (status == 0)
        {
            return false;
        }

        LogRejected(httpContext.Request.Method, httpContext.Request.Path, status, title);
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} rejected with {Status}: {Reason}")]
    private partial void LogRejected(string method, string path, int status, string reason);
}
