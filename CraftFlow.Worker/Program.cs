using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Worker;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCraftFlowDatabase();
builder.AddBlobStorage();
builder.AddCraftFlowCaching();
builder.AddCraftFlowJobQueue();
builder.AddCraftFlowWorker();
builder.AddImageJobs();

var app = builder.Build();

// The Worker serves only its health endpoints, on its own port, for Railway's check and the AppHost.
app.MapDefaultEndpoints();

await app.RunAsync();
