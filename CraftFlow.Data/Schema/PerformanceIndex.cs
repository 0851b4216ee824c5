namespace CraftFlow.Data.Schema;

/// <summary>An index built with CREATE INDEX CONCURRENTLY outside EF's migrations, so it never locks writes.</summary>
public sealed record PerformanceIndex(string Name, string Table, string Columns, string? Predicate)
{
    /// <summary>The six indexes of the seed deployment guide, with its columns and partial predicates, and the duplicate detector's.</summary>
    public static IReadOnlyList<PerformanceIndex> All { get; } =
    [
        new("idx_design_images_user_active_hashes", "design_images", "user_id, is_active", "phash IS NOT NULL"),
        new("idx_design_images_user_template_date", "design_images", "user_id, template_id, is_active, created_at", null),
        new("idx_platform_connections_user_active", "platform_connections", "user_id, is_active, platform", null),
        new("idx_platform_connections_expiry", "platform_connections", "token_expires_at, is_active", "token_expires_at IS NOT NULL"),
        new("idx_design_images_hash_lookup", "design_images", "phash, ahash, dhash, whash", "is_active = true"),
        new("idx_etsy_listings_user_active", "etsy_listings", "user_id, is_active, created_at", null),

        // The duplicate detector's first step over one seller's designs reads only these columns.
        new("idx_design_images_user_artwork", "design_images", "user_id, is_active, artwork_key", "artwork_key IS NOT NULL"),
    ];

    public string CreateSql =>
        $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {Name} ON {Table} ({Columns})"
        + (Predicate is null ? string.Empty : $" WHERE {Predicate}");

    public string DropSql => $"DROP INDEX CONCURRENTLY IF EXISTS {Name}";
}
