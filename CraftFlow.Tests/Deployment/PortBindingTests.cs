using System.Net;
using System.Net.Sockets;
using CraftFlow.AppHost.Resources;
using CraftFlow.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Tests.Deployment;

/// <summary>Railway's private network can be IPv6-only: with PORT set, a service must answer on IPv6 and IPv4.</summary>
public sealed class PortBindingTests
{
    [Fact]
    public async Task With_port_set_kestrel_answers_on_ipv4_and_ipv6()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        PlatformVariables.Map(builder.Configuration);
        await using var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("ok", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
        if (Socket.OSSupportsIPv6 && HasIPv6Loopback())
        {
            Assert.Contains($"http://[::]:{port}", addresses);
            Assert.Equal("ok", await http.GetStringAsync(new Uri($"http://[::1]:{port}/")));
        }

        await app.StopAsync();
    }

    private static bool HasIPv6Loopback()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
