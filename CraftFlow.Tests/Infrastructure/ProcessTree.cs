using System.Globalization;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>Linux process trees from /proc, to check that nothing outlives the processes that started it.</summary>
public static class ProcessTree
{
    /// <summary><paramref name="root"/> and every process below it, right now.</summary>
    public static IReadOnlyList<int> WithDescendants(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) is { } parent)
            {
                if (!parents.TryGetValue(parent, out var children))
                {
                    parents[parent] = children = [];
                }

                children.Add(pid);
            }
        }

        var found = new List<int>();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            found.Add(pid);
            foreach (var child in parents.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return found;
    }

    /// <summary>Whether a process runs (a zombie awaiting its parent's wait counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
