namespace CraftFlow.ServiceDefaults;

public static class HealthEndpoints
{
    /// <summary>Readiness: every check; 503 when the service cannot serve. Railway's health check path.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness: only the checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivePath = "/alive";

    public const string LiveTag = "live";
}
