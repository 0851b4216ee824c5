using CraftFlow.Data;
using CraftFlow.Data.Schema;
using CraftFlow.MigrationService;

var command = MigrationCommand.Parse(args);
var builder = Host.CreateApplicationBuilder(MigrationCommand.HostArguments(args));

builder.AddServiceDefaults();
builder.AddCraftFlowDatabase();
builder.AddDatabaseMigrator();
builder.Services.AddSingleton(command);
builder.Services.AddHostedService<MigrationWorker>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
