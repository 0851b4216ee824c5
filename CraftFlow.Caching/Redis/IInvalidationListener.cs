namespace CraftFlow.Caching.Redis;

/// <summary>What the Redis tier tells the memory tier about changes made by other nodes.</summary>
internal interface IInvalidationListener
{
    /// <summary>Another node bumped <paramref name="tag"/> to <paramref name="version"/>.</summary>
    void OnTagVersion(string tag, long version);

    /// <summary>Another node set or removed <paramref name="key"/>.</summary>
    void OnKeyChanged(string key);

    /// <summary>
    /// Notifications may have been lost (Redis was unreachable, restarted, or our subscription dropped):
    /// nothing in memory can be trusted any longer.
    /// </summary>
    void OnNotificationsLost();
}
