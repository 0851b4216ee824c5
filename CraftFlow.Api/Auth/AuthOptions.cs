namespace CraftFlow.Api.Auth;

public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>How long a login token lives.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Login and register attempts per client address per window (ASP.NET Core's fixed-window limiter).</summary>
    public int AttemptsPerWindow { get; set; } = 10;

    public TimeSpan AttemptWindow { get; set; } = TimeSpan.FromMinutes(1);

    public int MinPasswordLength { get; set; } = 8;
}
