using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NanoSecurity.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>ProcNetListeningPorts on this machine's live sockets and on fake tables.</summary>
    public sealed class ProcNetListeningPortsTests
    {
        [Fact]
        public void ALiveTcpListenerOnLoopbackIsListed()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var list = Read(new ProcNetListeningPorts());

                Assert.Contains((TransportProtocol.Tcp, "127.0.0.1", port), list);
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void ALiveTcpListenerOnIpv6LoopbackIsListedAsIpv6()
        {
            if (!OperatingSystem.IsLinux() || !Socket.OSSupportsIPv6)
            {
                return;
            }

            var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
            try
            {
                listener.Start();
            }
            catch (SocketException)
            {
                return; // IPv6 compiled in but ::1 not configured (some containers)
            }

            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                Assert.Contains((TransportProtocol.Tcp, "::1", port), Read(new ProcNetListeningPorts()));
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void ALiveUnconnectedUdpSocketIsListedButAConnectedOneIsNot()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            client.Connect(server.LocalEndPoint);
            int serverPort = ((IPEndPoint)server.LocalEndPoint).Port;
            int clientPort = ((IPEndPoint)client.LocalEndPoint).Port;

            var list = Read(new ProcNetListeningPorts());

            Assert.Contains((TransportProtocol.Udp, "127.0.0.1", serverPort), list);
            Assert.DoesNotContain(list, e => e.Protocol == TransportProtocol.Udp && e.Port == clientPort);
        }

        [Fact]
        public void ListenersAreListedOnceAndConnectionsNot()
        {
            using var proc = new FakeProcRoot()
                .With(
                    "tcp",
                    FakeProcRoot.Line(0, "00000000:0016", "00000000:0000", "0A"),
                    FakeProcRoot.Line(1, "0100007F:1F90", "00000000:0000", "0A"),
                    FakeProcRoot.Line(2, "0100007F:1F90", "00000000:0000", "0A"), // SO_REUSEPORT twin
                    FakeProcRoot.Line(3, "0201A8C0:0016", "0A01A8C0:D431", "01"), // accepted connection
                    FakeProcRoot.Line(4, "0201A8C0:C000", "08080808:01BB", "06")) // TIME_WAIT
                .With(
                    "tcp6",
                    FakeProcRoot.Line(0, "00000000000000000000000000000000:0016", "00000000000000000000000000000000:0000", "0A"),
                    FakeProcRoot.Line(1, "0000000000000000FFFF00000100007F:1F91", "00000000000000000000000000000000:0000", "0A"),
                    FakeProcRoot.Line(2, "00000000000000000000000001000000:1F92", "00000000000000000000000001000000:C001", "01"))
                .With(
                    "udp",
                    FakeProcRoot.Line(0, "00000000:0044", "00000000:0000", "07"),
                    FakeProcRoot.Line(1, "0201A8C0:C002", "08080808:0035", "01"))
                .With(
                    "udp6",
                    FakeProcRoot.Line(0, "000080FE00000000FF0000023E2121FE:0222", "00000000000000000000000000000000:0000", "07"));

            var list = Read(new ProcNetListeningPorts(proc.Path));

            Assert.Equal(
                new[]
                {
                    (TransportProtocol.Tcp, "0.0.0.0", 22),
                    (TransportProtocol.Tcp, "127.0.0.1", 8080),
                    (TransportProtocol.Tcp, "::", 22),
                    (TransportProtocol.Tcp, "127.0.0.1", 8081), // IPv4-mapped: reported as IPv4
                    (TransportProtocol.Udp, "0.0.0.0", 68),
                    (TransportProtocol.Udp, "fe80::200:ff:fe21:213e", 546),
                },
                list);
        }

        [Fact]
        public void MissingTablesAddNothing()
        {
            using var proc = new FakeProcRoot().With("tcp", FakeProcRoot.Line(0, "0100007F:1F90", "00000000:0000", "0A"));
            Assert.Equal(new[] { (TransportProtocol.Tcp, "127.0.0.1", 8080) }, Read(new ProcNetListeningPorts(proc.Path)));

            // No /proc at all, as on Windows or macOS.
            var nowhere = new ProcNetListeningPorts(Path.Combine(proc.Path, "does-not-exist"));
            Assert.False(nowhere.IsSupported);
            Assert.Empty(Read(nowhere));
            Assert.True(new ProcNetListeningPorts(proc.Path).IsSupported);
        }

        [Fact]
        public void AFullListCountsTheRestAsDropped()
        {
            using var proc = new FakeProcRoot().With(
                "tcp",
                FakeProcRoot.Line(0, "0100007F:0001", "00000000:0000", "0A"),
                FakeProcRoot.Line(1, "0100007F:0002", "00000000:0000", "0A"),
                FakeProcRoot.Line(2, "0100007F:0003", "00000000:0000", "0A"));
            var list = new ListeningPortList(2);

            new ProcNetListeningPorts(proc.Path).Read(list);

            Assert.Equal(2, list.Count);
            Assert.Equal(1, list.Dropped);
        }

        [Fact]
        public void TheModuleReportsTheListenersInAValidListeningPortsEvent()
        {
            using var proc = new FakeProcRoot()
                .With("tcp", FakeProcRoot.Line(0, "0100007F:1F90", "00000000:0000", "0A"))
                .With("tcp6", FakeProcRoot.Line(0, "00000000000000000000000001000000:22B3", "00000000000000000000000000000000:0000", "0A"));
            var h = new ModuleHarness(listeningPorts: new ProcNetListeningPorts(proc.Path));
            h.StartEngine();

            h.RunFirstCollection();

            JsonElement ports = Assert.Single(h.Sink.Events, e => e.GetProperty("Name").GetString() == "ListeningPorts");
            var items = ports.GetProperty("Payload").EnumerateArray()
                .Select(p => (p.GetProperty("LocalAddress").GetString(), p.GetProperty("LocalPort").GetString(), p.GetProperty("Protocol").GetString()))
                .ToArray();
            Assert.Equal(new[] { ("127.0.0.1", "8080", "TCP"), ("::1", "8883", "TCP") }, items);
        }

        [Fact]
        public void AnEmptyProcRootIsRefused()
        {
            Assert.Throws<ArgumentException>(() => new ProcNetListeningPorts(string.Empty));
            Assert.Throws<ArgumentNullException>(() => new ProcNetListeningPorts().Read(null));
        }

        /// <summary>Reads into a list big enough for any machine and returns its entries as (protocol, address text, port).</summary>
        private static List<(TransportProtocol Protocol, string Address, int Port)> Read(ProcNetListeningPorts source)
        {
            var list = new ListeningPortList(4096);
            source.Read(list);
            var entries = new List<(TransportProtocol, string, int)>();
            for (int i = 0; i < list.Count; i++)
            {
                string address;
                if (list.IsIpv6(i))
                {
                    address = new IPAddress(list.Ipv6Addresses.AsSpan(ListeningPortList.Ipv6Offset(i), 16)).ToString();
                }
                else
                {
                    uint v4 = list.Ipv4Address(i);
                    address = new IPAddress(new[] { (byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4 }).ToString();
                }

                entries.Add((list.Protocol(i), address, list.Port(i)));
            }

            return entries;
        }
    }
}
