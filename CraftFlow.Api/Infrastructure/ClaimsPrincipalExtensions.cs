using System.Security.Claims;

namespace CraftFlow.Api.Infrastructure;

public static class ClaimsPrincipalExtensions
{
    public const string AdminRole = "admin";

    /// <summary>The authenticated user's id; the endpoints that call it all require authentication.</summary>
    public static Guid UserId(this ClaimsPrincipal user)
        => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not authenticated."));

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);
}

public static class BearerTokenClaims
{
    public const string TokenId = "craftflow:token_id";
}
