namespace CraftFlow.Data.Entities;

/// <summary>A design rendered onto a template's print area.</summary>
public sealed class Mockup : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public Guid DesignImageId { get; set; }

    public DesignImage? DesignImage { get; set; }

    public Guid TemplateId { get; set; }

    public Template? Template { get; set; }

    public MockupStatus Status { get; set; } = MockupStatus.Pending;

    public string? ImageSha256 { get; set; }

    public string? ErrorMessage { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}
