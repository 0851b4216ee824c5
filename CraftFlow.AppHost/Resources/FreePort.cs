using System.Net;
using System.Net.Sockets;

namespace CraftFlow.AppHost.Resources;

public static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (the kernel picks it, so parallel runs differ).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
