namespace CraftFlow.Data.Entities;

/// <summary>Rows whose created/updated times are stamped on save from the context's <see cref="TimeProvider"/>.</summary>
public interface ITimestamped
{
    DateTimeOffset CreatedAt { get; set; }

    DateTimeOffset UpdatedAt { get; set; }
}
