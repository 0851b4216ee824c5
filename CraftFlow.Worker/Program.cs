using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Worker;
using CraftFlow.Worker.Etsy;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCraftFlowDatabase();
builder.AddBlobStorage();
builder.AddCraftFlowCaching();
builder.AddCraftFlowJobQueue();
builder.AddCraftFlowWorker();
builder.AddImageJobs();
builder.AddEtsyJobs();

var app = builder.Build();

// The Worker serves only its health endpoints, on its own port, for Railway's check and the AppHost.
app.MapDefaultEndpoints();

await app.RunAsync();
