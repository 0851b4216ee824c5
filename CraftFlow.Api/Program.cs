var builder = WebApplication.CreateBuilder(args);

var app = builder.Build();

app.MapGet("/alive", () => TypedResults.Ok());

app.Run();
