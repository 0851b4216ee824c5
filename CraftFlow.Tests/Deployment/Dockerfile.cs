using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CraftFlow.Tests.Deployment;

/// <summary>
/// Just enough of a Dockerfile's meaning to check it without a Docker engine: its stages, what it copies
/// from the build context, which projects it restores and publishes where, and what the image runs as whom.
/// </summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<Stage> stages)
    {
        Path = path;
        Stages = stages;
    }

    public string Path { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Build => Stages[0];

    public Stage Final => Stages[^1];

    /// <summary>Sources copied from the build context (repository root), in order.</summary>
    public IEnumerable<string> ContextSources
        => Build.Arguments("COPY").Where(a => !a.StartsWith("--from", StringComparison.Ordinal)).SelectMany(a => Split(a)[..^1]);

    /// <summary>Project file → the directory its publish output goes to.</summary>
    public IReadOnlyDictionary<string, string> Publishes
        => Build.Arguments("RUN").SelectMany(run => PublishCommand().Matches(run))
            .ToDictionary(m => m.Groups["project"].Value, m => m.Groups["output"].Value);

    public IEnumerable<string> Restores
        => Build.Arguments("RUN").SelectMany(run => RestoreCommand().Matches(run)).Select(m => m.Groups["project"].Value);

    /// <summary>Build-stage directory → the absolute directory of the final image it is copied to.</summary>
    public IReadOnlyDictionary<string, string> FinalCopiesFromBuild
    {
        get
        {
            var copies = new Dictionary<string, string>();
            var workdir = "/";
            foreach (var (keyword, arguments) in Final.Instructions)
            {
                if (keyword == "WORKDIR")
                {
                    workdir = arguments.StartsWith('/') ? arguments : $"{workdir.TrimEnd('/')}/{arguments}";
                }
                else if (keyword == "COPY" && arguments.StartsWith("--from=", StringComparison.Ordinal))
                {
                    var parts = Split(arguments)[1..];
                    var destination = parts[^1].StartsWith('/') ? parts[^1] : $"{workdir.TrimEnd('/')}/{parts[^1].TrimStart('.').TrimStart('/')}";
                    copies[parts[0].TrimEnd('/')] = destination.Length > 1 ? destination.TrimEnd('/') : destination;
                }
            }

            return copies;
        }
    }

    public string FinalWorkdir => Final.Arguments("WORKDIR").Last();

    public string[] Entrypoint => JsonSerializer.Deserialize<string[]>(Final.Arguments("ENTRYPOINT").Single())!;

    public static Dockerfile Load(string relativePath)
    {
        var text = File.ReadAllText(Repository.PathOf(relativePath));
        var logical = Continuation().Replace(text, " ");
        var stages = new List<Stage>();
        foreach (var raw in logical.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? string.Empty : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var parts = Split(arguments);
                stages.Add(new Stage(parts[0], parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, []));
            }
            else
            {
                Assert.True(stages.Count > 0, $"{relativePath}: {keyword} before FROM");
                stages[^1].Instructions.Add(new Instruction(keyword, arguments));
            }
        }

        return new Dockerfile(relativePath, stages);
    }

    /// <summary>A project file and every project it references, directly or not.</summary>
    public static IReadOnlySet<string> ProjectClosure(string project)
    {
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!closure.Add(next))
            {
                continue;
            }

            var directory = System.IO.Path.GetDirectoryName(next)!;
            foreach (var reference in XDocument.Load(Repository.PathOf(next)).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(System.IO.Path.GetRelativePath(Repository.Root, System.IO.Path.GetFullPath(System.IO.Path.Combine(Repository.PathOf(directory), include))).Replace('\\', '/'));
            }
        }

        return closure;
    }

    /// <summary>The assembly a project builds: its AssemblyName, or else the project file's name.</summary>
    public static string AssemblyName(string project)
        => XDocument.Load(Repository.PathOf(project)).Descendants("AssemblyName").LastOrDefault()?.Value
            ?? System.IO.Path.GetFileNameWithoutExtension(project);

    private static string[] Split(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)[^&]*?\s-o (?<output>\S+)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"dotnet restore (?<project>\S+\.csproj)")]
    private static partial Regex RestoreCommand();

    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        public IEnumerable<string> Arguments(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
    }
}
