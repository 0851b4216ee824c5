using CraftFlow.Api;
using CraftFlow.Api.Auth;
using CraftFlow.Api.Caching;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Schema;
using CraftFlow.Data.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCraftFlowDatabase();
builder.AddDatabaseMigrator();
builder.AddCraftFlowJobQueue();
builder.AddBlobStorage();
builder.AddApiConventions();
builder.AddBearerTokenAuth();
builder.AddApiCaching();
builder.AddApiFeatures();

var app = builder.Build();

await app.MigrateIfStartupModeAsync();

app.UseCorrelationId();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseOutputCache();

app.MapDefaultEndpoints();
app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/openapi/v1.json", "CraftFlow API"));
}
app.MapApiEndpoints();

await app.RunAsync();
