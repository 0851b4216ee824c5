using System.Diagnostics;

namespace CraftFlow.Api.Infrastructure;

/// <summary>
/// Gives every request a correlation id (the caller's X-Correlation-Id, else the trace id), returns
/// it in the response and puts it in every log line's scope and every problem details body.
/// </summary>
public static class CorrelationId
{
    public const string HeaderName = "X-Correlation-Id";

    private const string ItemKey = "correlation_id";

    public static string Get(HttpContext context)
        => context.Items[ItemKey] as string ?? Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
        {
            var id = context.Request.Headers[HeaderName].FirstOrDefault() is { Length: > 0 and <= 100 } supplied
                ? supplied
                : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            context.Items[ItemKey] = id;
            context.Response.Headers[HeaderName] = id;
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CraftFlow.Api.Requests");
            using (logger.BeginScope(new Dictionary<string, object> { [ItemKey] = id }))
            {
                await next(context);
            }
        });
}
