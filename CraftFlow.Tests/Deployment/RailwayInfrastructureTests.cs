using System.Text.Json;
using System.Text.RegularExpressions;
using CraftFlow.ServiceDefaults;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Deployment;

/// <summary>
/// .railway/railway.ts type-checks, and the graph it evaluates to (what the Railway CLI plans from) names
/// Dockerfiles, paths and commands that exist and do what the services expect.
/// </summary>
public sealed partial class RailwayInfrastructureTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const string RailwayFile = ".railway/railway.ts";

    [RequiresNodeFact]
    public async Task Railway_ts_type_checks()
    {
        await NodeToolchain.EnsureInstalledAsync();

        var (exitCode, output) = await NodeToolchain.RunAsync(NodeToolchain.Bin("tsc"), ["--noEmit", "-p", "."], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"tsc --noEmit found errors in {RailwayFile}:\n{output}");
    }

    [RequiresNodeFact]
    public async Task Declares_postgres_redis_and_the_api_and_worker_wired_to_them()
    {
        var graph = await EvaluateAsync();

        Assert.Equal("postgres", Resource(graph, "database.postgres").GetProperty("engine").GetString());
        Assert.Equal("redis", Resource(graph, "database.redis").GetProperty("engine").GetString());
        foreach (var name in new[] { "service.api", "service.worker" })
        {
            var service = Resource(graph, name);
            var variables = service.GetProperty("variables");
            AssertReference(variables, "DATABASE_URL", "database.postgres", "DATABASE_URL");
            AssertReference(variables, "REDIS_URL", "database.redis", "REDIS_URL");
            Assert.Equal("postgres", Literal(variables, "STORAGE_PROVIDER"));
            Assert.Equal("Production", Literal(variables, "ASPNETCORE_ENVIRONMENT"));
            Assert.InRange(int.Parse(Literal(variables, "PORT"), System.Globalization.CultureInfo.InvariantCulture), 1, 65535);
            foreach (var optional in new[] { "ETSY_CLIENT_ID", "ETSY_SHARED_SECRET", "ETSY_REDIRECT_URI" })
            {
                Assert.Equal("preserve", variables.GetProperty(optional).GetProperty("type").GetString());
            }

            var deploy = service.GetProperty("deploy");
            Assert.Equal(HealthEndpoints.HealthPath, deploy.GetProperty("healthcheckPath").GetString());
            Assert.Contains(deploy.GetProperty("restartPolicyType").GetString(), new[] { "ON_FAILURE", "ALWAYS" });
            Assert.True(deploy.GetProperty("numReplicas").GetInt32() >= 1);
            Assert.Equal("DOCKERFILE", service.GetProperty("build").GetProperty("builder").GetString());
        }

        Assert.True(Resource(graph, "service.api").GetProperty("deploy").GetProperty("numReplicas").GetInt32() >= 2);
    }

    [RequiresNodeFact]
    public async Task Every_dockerfile_and_watch_path_exists_and_a_change_to_what_an_image_builds_redeploys_it()
    {
        var graph = await EvaluateAsync();

        foreach (var name in new[] { "service.api", "service.worker" })
        {
            var build = Resource(graph, name).GetProperty("build");
            var dockerfilePath = build.GetProperty("dockerfilePath").GetString()!;
            Assert.True(File.Exists(Repository.PathOf(dockerfilePath)), $"{name}: {dockerfilePath} does not exist");

            var watched = build.GetProperty("watchPatterns").EnumerateArray().Select(p => p.GetString()!).ToList();
            foreach (var pattern in watched)
            {
                var path = pattern.TrimStart('/').Replace("/**", string.Empty, StringComparison.Ordinal);
                Assert.True(File.Exists(Repository.PathOf(path)) || Directory.Exists(Repository.PathOf(path)), $"{name} watches {pattern}, which does not exist");
            }

            foreach (var source in Dockerfile.Load(dockerfilePath).ContextSources)
            {
                Assert.True(
                    watched.Any(p => Covers(p, source)),
                    $"{name}'s image copies {source} but a change there would not redeploy it: add it to watchPatterns");
            }
        }
    }

    /// <summary>
    /// The pre-deploy command names the migration service the API image carries, and that command line, with
    /// Railway's DATABASE_URL, migrates a database and exits 0.
    /// </summary>
    [RequiresNodeFact]
    public async Task Pre_deploy_command_runs_the_migration_service_the_api_image_carries()
    {
        var graph = await EvaluateAsync();
        var api = Resource(graph, "service.api");
        var command = Assert.Single(api.GetProperty("deploy").GetProperty("preDeployCommand").EnumerateArray()).GetString()!;
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("dotnet", words[0]);
        var dll = words[1];
        var image = Dockerfile.Load(api.GetProperty("build").GetProperty("dockerfilePath").GetString()!);
        var (project, output) = image.Publishes.Single(p => $"{Dockerfile.AssemblyName(p.Key)}.dll" == Path.GetFileName(dll));
        Assert.Equal(Path.GetDirectoryName(dll), image.FinalCopiesFromBuild[output]);
        Assert.Equal("CraftFlow.MigrationService/CraftFlow.MigrationService.csproj", project);
        Assert.Equal(new[] { "--contentRoot", Path.GetDirectoryName(dll)! }, words[2..]);

        // The same arguments against the built service, pointed at its own folder as the image's is.
        var url = DatabaseUrl(database.ConnectionString);
        var (exitCode, log) = await Migrations.RunServiceAsync(
            connectionString: string.Empty,
            new Dictionary<string, string> { ["DATABASE_URL"] = url, ["ConnectionStrings__craftflowdb"] = string.Empty },
            ["--contentRoot", AppContext.BaseDirectory]);

        Assert.True(exitCode == 0, log);
        Assert.Contains("Migration complete", log, StringComparison.Ordinal);
    }

    /// <summary>railway.toml stays as the design card's artefact; it must say it is not read and agree with the API service.</summary>
    [RequiresNodeFact]
    public async Task Railway_toml_says_railway_no_longer_reads_it_and_matches_the_api_service()
    {
        var graph = await EvaluateAsync();
        var api = Resource(graph, "service.api");
        var text = await File.ReadAllTextAsync(Repository.PathOf("railway.toml"));
        var toml = TomlValues(text);

        var header = string.Join('\n', text.Split('\n').TakeWhile(l => l.StartsWith('#')));
        Assert.Contains(RailwayFile, header, StringComparison.Ordinal);
        Assert.Contains("2026-12-01", header, StringComparison.Ordinal);

        var build = api.GetProperty("build");
        var deploy = api.GetProperty("deploy");
        Assert.Equal("\"DOCKERFILE\"", toml["builder"]);
        Assert.Equal(Quoted(build.GetProperty("dockerfilePath").GetString()!), toml["dockerfilePath"]);
        Assert.Equal($"[{Quoted(deploy.GetProperty("preDeployCommand")[0].GetString()!)}]", toml["preDeployCommand"]);
        Assert.Equal(Quoted(deploy.GetProperty("healthcheckPath").GetString()!), toml["healthcheckPath"]);
        Assert.Equal(deploy.GetProperty("healthcheckTimeout").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), toml["healthcheckTimeout"]);
        Assert.Equal(Quoted(deploy.GetProperty("restartPolicyType").GetString()!), toml["restartPolicyType"]);
        Assert.Equal(deploy.GetProperty("restartPolicyMaxRetries").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), toml["restartPolicyMaxRetries"]);
        Assert.Equal(deploy.GetProperty("numReplicas").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), toml["numReplicas"]);
        var watch = string.Join(", ", build.GetProperty("watchPatterns").EnumerateArray().Select(p => Quoted(p.GetString()!)));
        Assert.Equal($"[{watch}]", toml["watchPatterns"]);
    }

    /// <summary>Evaluates railway.ts as the Railway CLI does (import it, call the default export with an empty context) and returns the project.</summary>
    private static async Task<JsonElement> EvaluateAsync()
    {
        await NodeToolchain.EnsureInstalledAsync();
        var script = Path.Combine(Path.GetTempPath(), $"railway-eval-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(script, """
            import { pathToFileURL } from "node:url";
            const mod = await import(pathToFileURL(process.argv[2]).href);
            const project = await mod.default({});
            process.stdout.write(JSON.stringify(project));
            """);
        try
        {
            var (exitCode, output) = await NodeToolchain.RunAsync(NodeToolchain.Bin("tsx"), [script, Repository.PathOf(RailwayFile)], TimeSpan.FromMinutes(1));
            Assert.True(exitCode == 0, $"{RailwayFile} did not evaluate:\n{output}");
            using var document = JsonDocument.Parse(output);
            return document.RootElement.Clone();
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static JsonElement Resource(JsonElement graph, string address)
        => graph.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("address").GetString() == address);

    private static void AssertReference(JsonElement variables, string name, string resource, string output)
    {
        var variable = variables.GetProperty(name);
        Assert.Equal("reference", variable.GetProperty("type").GetString());
        Assert.Equal(resource, variable.GetProperty("resource").GetString());
        Assert.Equal(output, variable.GetProperty("output").GetString());
    }

    private static string Literal(JsonElement variables, string name)
    {
        var variable = variables.GetProperty(name);
        Assert.Equal("literal", variable.GetProperty("type").GetString());
        return variable.GetProperty("value").GetString()!;
    }

    // "/CraftFlow.Data/**" covers "CraftFlow.Data/" and "CraftFlow.Data/CraftFlow.Data.csproj"; "/global.json" covers itself.
    private static bool Covers(string pattern, string source)
    {
        var path = pattern.TrimStart('/');
        return path.EndsWith("/**", StringComparison.Ordinal)
            ? source.StartsWith(path[..^2], StringComparison.Ordinal)
            : source == path;
    }

    /// <summary>The postgresql:// URL Railway's DATABASE_URL would be for a keyword connection string.</summary>
    private static string DatabaseUrl(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var user = Uri.EscapeDataString(builder.Username ?? "postgres");
        var password = string.IsNullOrEmpty(builder.Password) ? string.Empty : $":{Uri.EscapeDataString(builder.Password)}";
        return $"postgresql://{user}{password}@{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database!)}";
    }

    private static string Quoted(string value) => $"\"{value}\"";

    // The flat key = value lines of a small TOML file; enough for railway.toml.
    private static Dictionary<string, string> TomlValues(string text)
        => TomlLine().Matches(text).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value.Trim());

    [GeneratedRegex(@"^(?<key>[A-Za-z]+)\s*=\s*(?<value>.+)$", RegexOptions.Multiline)]
    private static partial Regex TomlLine();
}
