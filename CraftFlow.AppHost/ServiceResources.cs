namespace CraftFlow.AppHost;

public static class ServiceResources
{
    /// <summary>
    /// References Redis and waits for it to start. Not for it to be healthy: the services serve from their memory tier
    /// while Redis is away, and a Redis that stopped between starting and answering would otherwise hold them back for ever.
    /// Without Redis the service runs on its in-memory cache.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCache(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? cache)
        => cache is null ? service : service.WithReference(cache).WaitForStart(cache, WaitBehavior.StopOnResourceUnavailable);
}
