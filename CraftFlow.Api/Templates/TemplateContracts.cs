using CraftFlow.Data.Entities;

namespace CraftFlow.Api.Templates;

public sealed record PrintArea(int X, int Y, int Width, int Height, double Rotation);

public sealed record TemplateResponse(Guid Id, string Name, int Width, int Height, PrintArea PrintArea, string ImageSha256, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TemplateResponse From(Template t) => new(
        t.Id, t.Name, t.Width, t.Height,
        new PrintArea(t.PrintAreaX, t.PrintAreaY, t.PrintAreaWidth, t.PrintAreaHeight, t.PrintAreaRotation),
        t.ImageSha256, t.CreatedAt, t.UpdatedAt);
}

public sealed record UpdateTemplateRequest(string? Name, PrintArea? PrintArea);
