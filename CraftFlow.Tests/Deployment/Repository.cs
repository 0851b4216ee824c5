namespace CraftFlow.Tests.Deployment;

/// <summary>The checked-out repository the tests run from: the directory above the test binaries that holds CraftFlow.sln.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CraftFlow.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("CraftFlow.sln not found above the test binaries.");
    }
}
