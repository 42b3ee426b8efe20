using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace NanoSecurity.Testing
{
    /// <summary>Free TCP ports on 127.0.0.1 for the test brokers.</summary>
    internal static class LoopbackPorts
    {
        /// <summary>
        /// A port the system just handed out and that is free again. Another process may take it
        /// before the broker binds it; the brokers retry with a new port when binding fails.
        /// </summary>
        public static int GetFree()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            finally
            {
                listener.Stop();
            }
        }

        /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
        public static bool Accepts(int port, int timeoutMilliseconds = 200)
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            using var timeout = new CancellationTokenSource(timeoutMilliseconds);
            try
            {
                client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).AsTask().GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is SocketException || e is OperationCanceledException)
            {
                return false;
            }
        }
    }
}
