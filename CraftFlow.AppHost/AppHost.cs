using CraftFlow.AppHost;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.Read(builder);

var database = builder.AddCraftFlowPostgres(settings, "postgres", "craftflowdb");
var cache = builder.AddCraftFlowRedis(settings, "cache");

// The API stores uploads and the Worker reads them: both get the same blob directory.
var blobStorage = Path.Combine(settings.DataDirectory!, "blobs");

// With the dashboard on, Aspire's default is to keep dependents waiting on a failed resource (to be restarted from the
// dashboard); here a server that cannot start fails what depends on it, so the terminal shows the failure, not a hang.
var migrations = builder.AddProject<Projects.CraftFlow_MigrationService>("migrations")
    .WithReference(database)
    .WaitFor(database, WaitBehavior.StopOnResourceUnavailable);

builder.AddProject<Projects.CraftFlow_Api>("api")
    .WithHttpEndpoint(port: settings.ApiPort == 0 ? null : settings.ApiPort)
    .WithHttpHealthCheck("/health")
    .WithReference(database)
    .WithCache(cache)
    .WithEnvironment("STORAGE_PATH", blobStorage)
    .WaitForCompletion(migrations);

builder.AddProject<Projects.CraftFlow_Worker>("worker")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReference(database)
    .WithCache(cache)
    .WithEnvironment("STORAGE_PATH", blobStorage)
    .WaitForCompletion(migrations);

builder.Build().Run();
