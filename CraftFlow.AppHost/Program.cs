using CraftFlow.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var database = postgres.AddDatabase("craftflowdb");
var cache = builder.AddRedis("cache");

// The API stores uploads and the Worker reads them: both get the same blob directory.
var blobStorage = Path.GetFullPath(Path.Combine(builder.Options.DataDirectory, "blobs"));

var migrations = builder.AddProject("migrations", "CraftFlow.MigrationService")
    .WithReference(database)
    .WaitFor(database);

builder.AddProject("api", "CraftFlow.Api")
    .WithReference(database)
    .WithReference(cache)
    .WithEnvironment("STORAGE_PATH", blobStorage)
    .WithHttpEndpoint(builder.Options.ApiPort)
    .WithHttpHealthCheck("/health")
    .WaitForCompletion(migrations);

builder.AddProject("worker", "CraftFlow.Worker")
    .WithReference(database)
    .WithReference(cache)
    .WithEnvironment("STORAGE_PATH", blobStorage)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WaitForCompletion(migrations);

await using var app = builder.Build();
return await app.RunAsync();
