namespace CraftFlow.Data.Entities;

public enum ListingStatus
{
    /// <summary>Queued; no Etsy call made yet.</summary>
    Pending,

    /// <summary>The job is creating the draft or uploading its images (or waiting to retry after an error).</summary>
    Publishing,

    /// <summary>The draft exists on Etsy with its images.</summary>
    Published,

    /// <summary>Etsy refused the listing, or every attempt failed: <see cref="EtsyListing.ErrorMessage"/> says why.</summary>
    Failed,
}

/// <summary>A listing published, or being published, to a seller's Etsy shop as a draft.</summary>
public sealed class EtsyListing : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public Guid ConnectionId { get; set; }

    public PlatformConnection? Connection { get; set; }

    public Guid? DesignImageId { get; set; }

    public DesignImage? DesignImage { get; set; }

    public Guid? MockupId { get; set; }

    public Mockup? Mockup { get; set; }

    /// <summary>Etsy's own listing id, once the draft exists.</summary>
    public long? ExternalListingId { get; set; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    public decimal Price { get; set; }

    public int Quantity { get; set; } = 1;

    /// <summary>
    /// The createDraftListing fields as validated by the API, in Etsy's names (jsonb): what the job sends.
    /// Title, description, price and quantity are also kept in their own columns for lists.
    /// </summary>
    public required string Draft { get; set; }

    /// <summary>
    /// The intent: set and committed just before the job asks Etsy to create the draft. A retry that finds it set
    /// while <see cref="ExternalListingId"/> is null looks the draft up on Etsy before it creates one.
    /// </summary>
    public DateTimeOffset? CreateRequestedAt { get; set; }

    /// <summary>Etsy's state of the listing ("draft" once created).</summary>
    public string? EtsyState { get; set; }

    /// <summary>Etsy's URL of the listing.</summary>
    public string? EtsyUrl { get; set; }

    /// <summary>Etsy's id of the uploaded image, once uploaded.</summary>
    public long? ExternalImageId { get; set; }

    /// <summary>The etsy_integration job publishing this listing.</summary>
    public Guid? JobId { get; set; }

    public ListingStatus Status { get; set; } = ListingStatus.Pending;

    /// <summary>Etsy's error text (or ours) from the last failed attempt.</summary>
    public string? ErrorMessage { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public uint Version { get; set; }
}
