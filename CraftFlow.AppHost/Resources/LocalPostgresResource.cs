namespace CraftFlow.AppHost.Resources;

/// <summary>
/// PostgreSQL as an Aspire executable over the local server binaries, for machines without a container runtime:
/// the same connection string shape as Aspire's container resource, on a proxied loopback endpoint.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    public string DataDirectory { get; } = dataDirectory;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>The server without a database (the maintenance database is chosen by whoever connects).</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={LocalPostgres.ServiceUser}");

    internal List<LocalPostgresDatabaseResource> Databases { get; } = [];
}

/// <summary>
/// A database on a <see cref="LocalPostgresResource"/>, created when the server is ready. Shown under its server
/// through a parent relationship rather than <c>IResourceWithParent</c>: with the latter, <c>WaitFor</c> also waits
/// for the server to turn healthy, and keeps waiting after a server that ended before it ever did.
/// </summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource server)
    : Resource(name), IResourceWithConnectionString
{
    public LocalPostgresResource Server { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Server};Database={DatabaseName}");

    /// <summary>Set once the server is ready and the database exists.</summary>
    internal bool Created { get; set; }
}
