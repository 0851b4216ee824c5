namespace CraftFlow.Api.Auth;

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record CreateTokenRequest(string? Name);

public sealed record UserResponse(Guid Id, string Email, string? DisplayName, bool IsAdmin, DateTimeOffset CreatedAt);

public sealed record TokenResponse(Guid Id, string Name, string Token, DateTimeOffset ExpiresAt);

public sealed record TokenSummary(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);
