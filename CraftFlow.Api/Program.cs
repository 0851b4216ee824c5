using CraftFlow.Data;
using CraftFlow.Data.Schema;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCraftFlowDatabase();
builder.AddDatabaseMigrator();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

var app = builder.Build();

await app.MigrateIfStartupModeAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapOpenApi();

await app.RunAsync();
