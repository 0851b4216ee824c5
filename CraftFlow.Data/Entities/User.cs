namespace CraftFlow.Data.Entities;

public sealed class User : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Lower-cased, trimmed address; unique.</summary>
    public required string Email { get; set; }

    public required string PasswordHash { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>Grants the operations routes (cache clearing for any user, and similar).</summary>
    public bool IsAdmin { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<UserToken> Tokens { get; set; } = [];
}
