namespace CraftFlow.Api;

/// <summary>
/// Names this assembly for WebApplicationFactory: every service's top-level Program is called
/// Program, so the tests, which reference them all, need a type that is the API's alone.
/// </summary>
public sealed class ApiEntryPoint
{
    private ApiEntryPoint()
    {
    }
}
