namespace CraftFlow.Caching.Memory;

/// <summary>The versions an entry's tags had when it was written. Immutable; usually empty or one or two tags.</summary>
internal sealed class TagVersions
{
    public static readonly TagVersions None = new([]);

    private readonly KeyValuePair<string, long>[] _versions;

    public TagVersions(KeyValuePair<string, long>[] versions) => _versions = versions;

    public ReadOnlySpan<KeyValuePair<string, long>> Items => _versions;

    public bool IsEmpty => _versions.Length == 0;

    public bool Contains(string tag)
    {
        foreach (var (name, _) in _versions)
        {
            if (string.Equals(name, tag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public Dictionary<string, long>? ToDictionary()
        => _versions.Length == 0 ? null : new Dictionary<string, long>(_versions, StringComparer.Ordinal);

    public static TagVersions From(Dictionary<string, long>? versions)
        => versions is null || versions.Count == 0 ? None : new TagVersions([.. versions]);
}
