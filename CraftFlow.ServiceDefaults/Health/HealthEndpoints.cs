using Microsoft.AspNetCore.Http;

namespace CraftFlow.ServiceDefaults;

public static class HealthEndpoints
{
    /// <summary>Readiness: every check; 503 when the service cannot serve. Railway's health check path.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness: only the checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivePath = "/alive";

    public const string LiveTag = "live";

    /// <summary>Railway and the AppHost poll these every few seconds; kept out of traces so they do not drown real requests.</summary>
    public static bool IsProbe(PathString path) => path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);
}
