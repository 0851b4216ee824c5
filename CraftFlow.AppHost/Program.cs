using CraftFlow.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var database = postgres.AddDatabase("craftflowdb");
var cache = builder.AddRedis("cache");

var migrations = builder.AddProject("migrations", "CraftFlow.MigrationService")
    .WithReference(database)
    .WaitFor(database);

builder.AddProject("api", "CraftFlow.Api")
    .WithReference(database)
    .WithReference(cache)
    .WithHttpEndpoint(builder.Options.ApiPort)
    .WithHttpHealthCheck("/health")
    .WaitForCompletion(migrations);

builder.AddProject("worker", "CraftFlow.Worker")
    .WithReference(database)
    .WithReference(cache)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WaitForCompletion(migrations);

await using var app = builder.Build();
return await app.RunAsync();
