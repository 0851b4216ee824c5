using System.Diagnostics;

namespace CraftFlow.Tests.Deployment;

/// <summary>No Docker engine runs here: these read the Dockerfiles and check them against the projects.</summary>
public sealed class DockerfileTests
{
    public const string SdkImage = "mcr.microsoft.com/dotnet/sdk:10.0";
    public const string AspNetImage = "mcr.microsoft.com/dotnet/aspnet:10.0";

    // Dockerfile → the project whose assembly the image runs.
    public static TheoryData<string, string> Images => new()
    {
        { "CraftFlow.Api/Dockerfile", "CraftFlow.Api/CraftFlow.Api.csproj" },
        { "CraftFlow.Worker/Dockerfile", "CraftFlow.Worker/CraftFlow.Worker.csproj" },
        { "CraftFlow.MigrationService/Dockerfile", "CraftFlow.MigrationService/CraftFlow.MigrationService.csproj" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Builds_on_the_sdk_image_and_runs_on_the_aspnet_image(string path, string project)
    {
        var dockerfile = Dockerfile.Load(path);

        Assert.Equal(SdkImage, dockerfile.Build.Image);
        Assert.Equal(AspNetImage, dockerfile.Final.Image);
        Assert.True(dockerfile.Stages.Count >= 2, $"{path} is not multi-stage");
        Assert.Contains(project, dockerfile.Publishes.Keys);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Copies_only_what_exists_and_every_project_the_published_ones_reference(string path, string project)
    {
        var dockerfile = Dockerfile.Load(path);
        var sources = dockerfile.ContextSources.ToList();

        foreach (var source in sources)
        {
            Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)), $"{path} copies {source}, which does not exist");
        }

        Assert.Contains(project, dockerfile.Restores);
        foreach (var published in dockerfile.Publishes.Keys)
        {
            Assert.Contains(published, dockerfile.Restores);
            foreach (var needed in Dockerfile.ProjectClosure(published))
            {
                // The project file before the restore, and its folder before the publish.
                Assert.Contains(needed, sources);
                Assert.Contains(Path.GetDirectoryName(needed) + "/", sources);
            }
        }

        foreach (var shared in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.Contains(shared, sources);
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Runs_the_projects_assembly_from_its_publish_output_as_a_non_root_user(string path, string project)
    {
        var dockerfile = Dockerfile.Load(path);

        var entrypoint = dockerfile.Entrypoint;
        Assert.Equal(new[] { "dotnet", $"{Dockerfile.AssemblyName(project)}.dll" }, entrypoint);
        // The publish output of that project is what lands in the working directory the entry point runs in.
        Assert.Equal(dockerfile.FinalWorkdir, dockerfile.FinalCopiesFromBuild[dockerfile.Publishes[project]]);

        var user = dockerfile.Final.Arguments("USER").LastOrDefault();
        Assert.False(user is null, $"{path} runs as root: its final stage has no USER");
        Assert.DoesNotContain(user.Split(':')[0], new[] { "root", "0" });
        var instructions = dockerfile.Final.Instructions.Select(i => i.Keyword).ToList();
        Assert.True(instructions.LastIndexOf("USER") > instructions.LastIndexOf("RUN"), $"{path} runs commands after switching to the app user");
    }

    [Fact]
    public void The_api_image_carries_the_migration_service_for_the_pre_deploy_step()
    {
        var dockerfile = Dockerfile.Load("CraftFlow.Api/Dockerfile");

        var migrations = dockerfile.Publishes["CraftFlow.MigrationService/CraftFlow.MigrationService.csproj"];
        Assert.Equal("/app/migrate", dockerfile.FinalCopiesFromBuild[migrations]);
    }

    [Fact]
    public void The_build_context_leaves_out_local_build_output()
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet();

        // A host's obj/project.assets.json copied over the container's restore breaks the publish.
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("**/node_modules/", ignored);
    }

    /// <summary>The runtime images install no packages: Magick.NET's native library must need nothing beyond glibc.</summary>
    [Fact]
    public async Task Magick_native_library_needs_only_glibc()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "Magick.Native-Q8-x64.dll.so");
        Assert.True(File.Exists(native), $"{native} is missing");
        string[] glibc = ["linux-vdso.so.1", "libc.so.6", "libm.so.6", "libpthread.so.0", "libresolv.so.2", "libdl.so.2", "librt.so.1", "ld-linux-x86-64.so.2"];

        var startInfo = new ProcessStartInfo("ldd", [native]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var ldd = Process.Start(startInfo)!;
        var output = await ldd.StandardOutput.ReadToEndAsync();
        await ldd.WaitForExitAsync();

        Assert.Equal(0, ldd.ExitCode);
        var libraries = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => Path.GetFileName(line.Split(' ')[0]))
            .ToList();
        Assert.Contains("libc.so.6", libraries);
        Assert.All(libraries, library => Assert.Contains(library, glibc));
        Assert.DoesNotContain("not found", output, StringComparison.Ordinal);
    }
}
