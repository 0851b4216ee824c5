using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// PostgreSQL from the local server binaries: finding them, initdb, and the postmaster's command line. Shared by
/// the AppHost's executable resource and the tests' throwaway server. As root the server runs as the postgres
/// user (PostgreSQL refuses root), through <c>setpriv</c>, which execs it, so a stop signal reaches the postmaster.
/// </summary>
public static class LocalPostgres
{
    public const string ServiceUser = "postgres";

    /// <summary>Where initdb and postgres are: PATH first, then Debian's /usr/lib/postgresql/N/bin (newest).</summary>
    public static string? FindBinDirectory()
    {
        IEnumerable<string> debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => Path.Combine(dir, "bin"))
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(Path.GetDirectoryName(dir)), out var v) ? v : 0)
            : [];
        var initdb = ProcessRunner.Find("initdb", debian);
        if (initdb is null)
        {
            return null;
        }

        // /usr/local/bin/initdb is often a symlink; postgres sits beside its target.
        var resolved = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(initdb);
        return Path.GetDirectoryName(resolved);
    }

    public static string RequireBinDirectory() => FindBinDirectory()
        ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, postgres) were not found. Install them (apt-get install postgresql) or set ConnectionStrings__craftflowdb.");

    /// <summary>
    /// Where the data goes. As root the postgres user must be able to enter every directory above it; a checkout
    /// below a 0700 home cannot host it, so an unconfigured location moves to /var/tmp (one per checkout).
    /// </summary>
    public static string ChooseDataDirectory(string preferred, bool mayMove)
    {
        if (!mayMove || !ProcessRunner.IsRoot || CanServiceUserEnter(ExistingAncestor(preferred)))
        {
            return preferred;
        }

        var checkout = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12];
        return Path.Combine("/var/tmp", $"craftflow-{checkout}", "postgres");
    }

    /// <summary>Creates and initialises the cluster when it has no PG_VERSION yet; a reason a person can act on when it cannot.</summary>
    public static async Task InitialiseAsync(string bin, string dataDirectory, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        if (ProcessRunner.IsRoot)
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!;
            if (!CanServiceUserEnter(parent))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL runs as the '{ServiceUser}' user, which cannot enter {parent} (a directory above it is not " +
                    $"searchable by others, such as a 0700 home). Set AppHost__DataDirectory to a directory it can reach, or point " +
                    "ConnectionStrings__craftflowdb at a running server.");
            }

            await ProcessRunner.RunAsync("chown", ["-R", $"{ServiceUser}:", dataDirectory], cancellationToken);
        }

        var (initdb, arguments) = AsServiceUser(
            Path.Combine(bin, "initdb"), ["-D", dataDirectory, "-U", ServiceUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
        await ProcessRunner.RunAsync(initdb, arguments.Cast<string>(), cancellationToken);
    }

    /// <summary>The command line that runs <paramref name="program"/> as the service user: through setpriv as root, directly otherwise.</summary>
    public static (string FileName, List<object> Arguments) AsServiceUser(string program, IEnumerable<object> arguments) => ProcessRunner.IsRoot
        ? ("setpriv", ["--reuid", ServiceUser, "--regid", ServiceUser, "--init-groups", "--", program, .. arguments])
        : (program, [.. arguments]);

    /// <summary>What <see cref="ServerCommand"/> executes.</summary>
    public static string ServerExecutable(string bin) => AsServiceUser(Path.Combine(bin, "postgres"), []).FileName;

    /// <summary>The postmaster (in the foreground) with its arguments, listening on loopback only, its socket in the data directory.</summary>
    /// <param name="port">A number, or Aspire's reference to the endpoint's target port.</param>
    /// <param name="durable">False for throwaway servers: fsync off, several times faster, loses nothing a test needs.</param>
    public static (string FileName, List<object> Arguments) ServerCommand(string bin, string dataDirectory, object port, bool durable)
    {
        List<object> arguments = ["-D", dataDirectory, "-p", port, "-h", "127.0.0.1", "-k", dataDirectory, "-c", "max_connections=300"];

        // The admin route's slowest-statements view needs it; preloading a library that is not installed would stop the server.
        if (File.Exists(Path.Combine(bin, "..", "lib", "pg_stat_statements.so")))
        {
            arguments.AddRange(["-c", "shared_preload_libraries=pg_stat_statements"]);
        }

        if (!durable)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return AsServiceUser(Path.Combine(bin, "postgres"), arguments);
    }

    /// <summary>The postmaster's pid from postmaster.pid, when a server runs (or crashed) on the directory.</summary>
    public static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ExistingAncestor(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }

    private static bool CanServiceUserEnter(string directory)
    {
        var (test, arguments) = AsServiceUser("/usr/bin/test", ["-x", directory]);
        return ProcessRunner.Succeeds(test, arguments.Cast<string>());
    }
}
