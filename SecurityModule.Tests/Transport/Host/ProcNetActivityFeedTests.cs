using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NanoSecurity.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>ProcNetActivityFeed: live loopback connections and fake tables into a module's flow caches.</summary>
    public sealed class ProcNetActivityFeedTests
    {
        private const ushort Ephemeral = 50000;

        [Fact]
        public void ALiveLoopbackConnectionIsTwoFlowsInTheModulesCacheAfterAPoll()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            using var pair = LoopbackPair.Open(IPAddress.Loopback);
            var h = new ModuleHarness();
            using var feed = new ProcNetActivityFeed(h.Module.Ipv4Connections, h.Module.Ipv6Connections);

            feed.Poll();

            var flows = Ipv4Flows(h.Module.Ipv4Connections.SwapForCollection(), out int dropped);
            if (!flows.Any(f => f.LocalPort == pair.ClientPort) && dropped > 0)
            {
                // The machine has more connections than the module's cache holds
                // (ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV4_OBJECTS_IN_CACHE) and ours came late:
                // check them in a cache big enough for the whole machine instead.
                var big = new Ipv4ConnectionCache(65536, FlowFilter.FromConfig());
                using var bigFeed = new ProcNetActivityFeed(big, new Ipv6ConnectionCache(65536, FlowFilter.FromConfig()));
                bigFeed.Poll();
                flows = Ipv4Flows(big.SwapForCollection(), out _);
            }

            // No data moved: the client's end shows at most the 1 its kernel counts for the SYN in bytes_acked.
            Assert.All(flows.Where(f => f.LocalPort == pair.ClientPort || f.LocalPort == pair.ServerPort), f => Assert.True(f.BytesIn == 0 && f.BytesOut <= 1, f.ToString()));
            flows = WithoutBytes(flows);

            // The client's end: it connected out from an ephemeral port.
            Assert.Contains(new Flow(TransportProtocol.Tcp, "127.0.0.1", pair.ClientPort, "127.0.0.1", pair.ServerPort, FlowDirection.Out, 0, 0, 1), flows);

            // The accepted end: its local port is the listener's, so it came in.
            Assert.Contains(new Flow(TransportProtocol.Tcp, "127.0.0.1", pair.ServerPort, "127.0.0.1", pair.ClientPort, FlowDirection.In, 0, 0, 1), flows);

            // The listener itself is no flow.
            Assert.DoesNotContain(flows, f => f.LocalPort == pair.ServerPort && f.RemotePort == 0);
            Assert.Equal(1, feed.PollCount);
            Assert.True(feed.FlowsSeen >= 2);
            Assert.True(feed.IsSupported);
        }

        [Fact]
        public void TheBytesALoopbackConnectionMovedShowInTheNextConnectionCreate()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            const int ToServer = 150_000;
            const int ToClient = 40_000;
            using var pair = LoopbackPair.Open(IPAddress.Loopback);
            var h = new ModuleHarness();
            using var feed = new ProcNetActivityFeed(h.Module.Ipv4Connections, h.Module.Ipv6Connections);
            h.StartEngine();

            pair.Exchange(ToServer, ToClient);
            feed.Poll();
            h.RunFirstCollection();

            Assert.True(feed.ByteCountsAvailable, "no byte counters: " + feed.ByteCountsUnavailableReason);
            Assert.Null(feed.ByteCountsUnavailableReason);
            JsonElement[] items = h.Sink.Events
                .Where(e => e.GetProperty("Name").GetString() == "ConnectionCreate")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .ToArray();
            JsonElement client = Assert.Single(items, i => i.GetProperty("LocalPort").GetString() == pair.ClientPort.ToString());
            JsonElement server = Assert.Single(items, i => i.GetProperty("LocalPort").GetString() == pair.ServerPort.ToString()
                && i.GetProperty("RemotePort").GetString() == pair.ClientPort.ToString());
            Assert.True(Bytes(client, "BytesOut") >= ToServer, client.ToString());
            Assert.True(Bytes(client, "BytesIn") >= ToClient, client.ToString());
            Assert.True(Bytes(server, "BytesIn") >= ToServer, server.ToString());
            Assert.True(Bytes(server, "BytesOut") >= ToClient, server.ToString());
        }

        [Fact]
        public void EachPollRecordsTheBytesMovedSinceThePreviousOne()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            using var pair = LoopbackPair.Open(IPAddress.Loopback);
            var ipv4 = new Ipv4ConnectionCache(65536, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, new Ipv6ConnectionCache(65536, FlowFilter.FromConfig()));

            pair.Exchange(200_000, 1_000);
            feed.Poll();
            Flow first = Assert.Single(Ipv4Flows(ipv4.SwapForCollection(), out _), f => f.LocalPort == pair.ClientPort);
            pair.Exchange(50_000, 1_000);
            feed.Poll();
            Flow second = Assert.Single(Ipv4Flows(ipv4.SwapForCollection(), out _), f => f.LocalPort == pair.ClientPort);

            Assert.True(first.BytesOut >= 200_000, first.ToString());
            Assert.True(second.BytesOut >= 50_000 && second.BytesOut < 200_000, second.ToString());
            Assert.True(second.BytesIn >= 1_000 && second.BytesIn < 2_000, second.ToString());

            // One Record per direction that moved bytes: Out (the flow's direction), then In.
            Assert.Equal(2u, second.Hits);
            Assert.Equal(FlowDirection.Out, second.Direction);
        }

        [Fact]
        public void ALiveIpv6LoopbackConnectionGoesToTheIpv6Cache()
        {
            if (!OperatingSystem.IsLinux() || !Socket.OSSupportsIPv6)
            {
                return;
            }

            LoopbackPair pair;
            try
            {
                pair = LoopbackPair.Open(IPAddress.IPv6Loopback);
            }
            catch (SocketException)
            {
                return; // IPv6 compiled in but ::1 not configured (some containers)
            }

            using (pair)
            {
                var ipv4 = new Ipv4ConnectionCache(65536, FlowFilter.FromConfig());
                var ipv6 = new Ipv6ConnectionCache(65536, FlowFilter.FromConfig());
                using var feed = new ProcNetActivityFeed(ipv4, ipv6);

                feed.Poll();

                var flows = WithoutBytes(Ipv6Flows(ipv6.SwapForCollection()));
                Assert.Contains(new Flow(TransportProtocol.Tcp, "::1", pair.ClientPort, "::1", pair.ServerPort, FlowDirection.Out, 0, 0, 1), flows);
                Assert.Contains(new Flow(TransportProtocol.Tcp, "::1", pair.ServerPort, "::1", pair.ClientPort, FlowDirection.In, 0, 0, 1), flows);
            }
        }

        [Fact]
        public void DirectionIsInOnAListeningPortOutToOneOnThisMachineAndOtherwiseOutFromTheHigherPort()
        {
            using var proc = new FakeProcRoot()
                .With(
                    "tcp",
                    FakeProcRoot.Line(0, "00000000:1F90", "00000000:0000", "0A"),  // listener 0.0.0.0:8080: not a flow
                    FakeProcRoot.Line(1, "0201A8C0:1F90", "0A01A8C0:C350", "01"),  // accepted on 8080 from 192.168.1.10:50000
                    FakeProcRoot.Line(2, "0201A8C0:C351", "08080808:01BB", "01"),  // 50001 -> 8.8.8.8:443
                    FakeProcRoot.Line(3, "0201A8C0:1F91", "0A01A8C0:C352", "01"),  // 8081 <- 50002, its listener gone
                    FakeProcRoot.Line(4, "0201A8C0:C353", "08080808:0050", "06"),  // TIME_WAIT 50003 -> 8.8.8.8:80
                    FakeProcRoot.Line(5, "0201A8C0:C354", "08080808:0050", "02"),  // SYN_SENT 50004 -> 8.8.8.8:80
                    FakeProcRoot.Line(6, "00000000:AFC8", "00000000:0000", "0A"),  // listener 0.0.0.0:45000: not a flow
                    FakeProcRoot.Line(7, "0100007F:9C40", "0100007F:AFC8", "01"),  // 127.0.0.1:40000 -> own listener 45000
                    FakeProcRoot.Line(8, "0201A8C0:9C41", "0201A8C0:AFC8", "01"),  // 192.168.1.2:40001 -> itself, 45000
                    FakeProcRoot.Line(9, "0201A8C0:9C42", "0A01A8C0:AFC8", "01"))  // 40002 -> another machine's 45000
                .With(
                    "udp",
                    FakeProcRoot.Line(0, "00000000:14E9", "00000000:0000", "07"),  // unconnected 0.0.0.0:5353: not a flow
                    FakeProcRoot.Line(1, "0201A8C0:14E9", "0A01A8C0:C355", "01"),  // connected on 5353 (a listening port)
                    FakeProcRoot.Line(2, "0201A8C0:C356", "0101A8C0:0035", "01")); // 50006 -> 192.168.1.1:53
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            var ipv6 = new Ipv6ConnectionCache(64, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, ipv6, proc.Path);

            feed.Poll();

            Assert.Equal(
                new[]
                {
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 8080, "192.168.1.10", 50000, FlowDirection.In, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 50001, "8.8.8.8", 443, FlowDirection.Out, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 8081, "192.168.1.10", 50002, FlowDirection.In, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 50003, "8.8.8.8", 80, FlowDirection.Out, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 50004, "8.8.8.8", 80, FlowDirection.Out, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "127.0.0.1", 40000, "127.0.0.1", 45000, FlowDirection.Out, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 40001, "192.168.1.2", 45000, FlowDirection.Out, 0, 0, 1),
                    new Flow(TransportProtocol.Tcp, "192.168.1.2", 40002, "192.168.1.10", 45000, FlowDirection.In, 0, 0, 1), // the heuristic's known miss
                    new Flow(TransportProtocol.Udp, "192.168.1.2", 5353, "192.168.1.10", 50005, FlowDirection.In, 0, 0, 1),
                    new Flow(TransportProtocol.Udp, "192.168.1.2", 50006, "192.168.1.1", 53, FlowDirection.Out, 0, 0, 1),
                },
                Ipv4Flows(ipv4.SwapForCollection(), out _));
            Assert.Equal(10, feed.FlowsSeen);
            Assert.Equal(0, ipv6.Count);
        }

        [Fact]
        public void Ipv6FlowsGoToTheIpv6CacheAndIpv4MappedOnesToTheIpv4Cache()
        {
            using var proc = new FakeProcRoot().With(
                "tcp6",
                FakeProcRoot.Line(0, "00000000000000000000000000000000:22B3", "00000000000000000000000000000000:0000", "0A"),
                FakeProcRoot.Line(1, "00000000000000000000000001000000:C350", "B80D0120000000000000000001000000:22B3", "01"),
                FakeProcRoot.Line(2, "0000000000000000FFFF00000100007F:22B3", "0000000000000000FFFF00000100007F:C351", "01"));
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            var ipv6 = new Ipv6ConnectionCache(64, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, ipv6, proc.Path);

            feed.Poll();

            Assert.Equal(new[] { new Flow(TransportProtocol.Tcp, "::1", 50000, "2001:db8::1", 8883, FlowDirection.Out, 0, 0, 1) }, Ipv6Flows(ipv6.SwapForCollection()));
            Assert.Equal(new[] { new Flow(TransportProtocol.Tcp, "127.0.0.1", 8883, "127.0.0.1", 50001, FlowDirection.In, 0, 0, 1) }, Ipv4Flows(ipv4.SwapForCollection(), out _));
        }

        [Fact]
        public void EveryPollIsOneHitWithNoBytes()
        {
            using var proc = new FakeProcRoot().With("tcp", FakeProcRoot.Line(0, "0201A8C0:C351", "08080808:01BB", "01"));
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, new Ipv6ConnectionCache(64, FlowFilter.FromConfig()), proc.Path);

            feed.Poll();
            feed.Poll();
            feed.Poll();

            Flow flow = Assert.Single(Ipv4Flows(ipv4.SwapForCollection(), out _));
            Assert.Equal(3u, flow.Hits);
            Assert.Equal(0ul, flow.BytesIn);
            Assert.Equal(0ul, flow.BytesOut);
            Assert.Equal(3, feed.PollCount);
            Assert.Equal(1, feed.FlowsSeen);
            Assert.Equal(3, feed.RecordCalls);
            Assert.False(feed.ByteCountsAvailable);
            Assert.Contains("not " + proc.Path, feed.ByteCountsUnavailableReason);
        }

        [Fact]
        public void TheModuleSendsTheFedFlowsAsAValidConnectionCreateEvent()
        {
            using var proc = new FakeProcRoot()
                .With("tcp", FakeProcRoot.Line(0, "0201A8C0:C351", "08080808:22B3", "01"))
                .With("udp6", FakeProcRoot.Line(0, "000000FD000000000000000002000000:C352", "000000FD000000000000000001000000:0035", "01"));
            var h = new ModuleHarness();
            using var feed = new ProcNetActivityFeed(h.Module.Ipv4Connections, h.Module.Ipv6Connections, proc.Path);
            h.StartEngine();

            feed.Poll();
            feed.Poll();
            h.RunFirstCollection();

            JsonElement connections = Assert.Single(h.Sink.Events, e => e.GetProperty("Name").GetString() == "ConnectionCreate");
            var items = connections.GetProperty("Payload").EnumerateArray().Select(p => string.Join(
                " ",
                p.GetProperty("Protocol").GetString(),
                p.GetProperty("LocalAddress").GetString() + ":" + p.GetProperty("LocalPort").GetString(),
                p.GetProperty("RemoteAddress").GetString() + ":" + p.GetProperty("RemotePort").GetString(),
                p.GetProperty("Direction").GetString(),
                p.GetProperty("ExtraDetails").GetProperty("HitCount").GetString(),
                p.GetProperty("ExtraDetails").GetProperty("BytesIn").GetString(),
                p.GetProperty("ExtraDetails").GetProperty("BytesOut").GetString()));
            Assert.Equal(new[] { "TCP 192.168.1.2:50001 8.8.8.8:8883 Out 2 0 0", "UDP fd00::2:50002 fd00::1:53 Out 2 0 0" }, items);
        }

        [Fact]
        public void WithoutProcNetAPollRecordsNothing()
        {
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            var ipv6 = new Ipv6ConnectionCache(64, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, ipv6, Path.Combine(Path.GetTempPath(), "nanosecurity-no-proc-" + Guid.NewGuid().ToString("N")));

            feed.Poll();

            Assert.False(feed.IsSupported);
            Assert.Equal(1, feed.PollCount);
            Assert.Equal(0, feed.FlowsSeen);
            Assert.Equal(0, ipv4.Count);
            Assert.Equal(0, ipv6.Count);
        }

        [Fact]
        public void TheTimerPollsUntilStopped()
        {
            using var proc = new FakeProcRoot().With("tcp", FakeProcRoot.Line(0, "0201A8C0:C351", "08080808:01BB", "01"));
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            using var feed = new ProcNetActivityFeed(ipv4, new Ipv6ConnectionCache(64, FlowFilter.FromConfig()), proc.Path);

            feed.Start(20);
            Assert.True(feed.IsRunning);
            Assert.True(WaitUntil(() => feed.PollCount >= 3), $"the timer polled {feed.PollCount} times");
            feed.Stop();
            int polls = feed.PollCount;
            Thread.Sleep(200);

            Assert.False(feed.IsRunning);
            Assert.Equal(polls, feed.PollCount);
            Assert.Equal(0, feed.PollErrors);
            Assert.Equal((uint)polls, Assert.Single(Ipv4Flows(ipv4.SwapForCollection(), out _)).Hits);
        }

        [Fact]
        public void AFailingPollIsCountedAndTheTimerKeepsGoing()
        {
            using var proc = new FakeProcRoot();
            Directory.CreateDirectory(Path.Combine(proc.Path, "net", "tcp")); // a table that cannot be read as a file
            using var feed = new ProcNetActivityFeed(new Ipv4ConnectionCache(64, FlowFilter.FromConfig()), new Ipv6ConnectionCache(64, FlowFilter.FromConfig()), proc.Path);

            Assert.ThrowsAny<Exception>(() => feed.Poll());

            feed.Start(20);
            Assert.True(WaitUntil(() => feed.PollErrors >= 3), $"{feed.PollErrors} failed polls");
            Assert.True(feed.IsRunning);
            Assert.NotNull(feed.LastError);
            Assert.Equal(0, feed.PollCount);

            // Once the table is readable again the same timer records.
            Directory.Delete(Path.Combine(proc.Path, "net", "tcp"));
            proc.With("tcp", FakeProcRoot.Line(0, "0201A8C0:C351", "08080808:01BB", "01"));
            Assert.True(WaitUntil(() => feed.PollCount >= 1), "the timer stopped after the failures");
        }

        [Fact]
        public void ADisposedFeedRefusesToPollAndArgumentsAreChecked()
        {
            var ipv4 = new Ipv4ConnectionCache(64, FlowFilter.FromConfig());
            var ipv6 = new Ipv6ConnectionCache(64, FlowFilter.FromConfig());
            Assert.Throws<ArgumentNullException>(() => new ProcNetActivityFeed(null, ipv6));
            Assert.Throws<ArgumentNullException>(() => new ProcNetActivityFeed(ipv4, null));
            Assert.Throws<ArgumentException>(() => new ProcNetActivityFeed(ipv4, ipv6, string.Empty));

            var feed = new ProcNetActivityFeed(ipv4, ipv6);
            Assert.Throws<ArgumentOutOfRangeException>(() => feed.Start(0));
            feed.Start(1000);
            feed.Dispose();
            feed.Dispose();

            Assert.False(feed.IsRunning);
            Assert.Throws<ObjectDisposedException>(() => feed.Poll());
            Assert.Throws<ObjectDisposedException>(() => feed.Start(1000));
            feed.Stop();
        }

        private static bool WaitUntil(Func<bool> condition)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(20);
            while (!condition())
            {
                if (DateTime.UtcNow > end)
                {
                    return false;
                }

                Thread.Sleep(10);
            }

            return true;
        }

        private static List<Flow> WithoutBytes(List<Flow> flows) => flows.Select(f => f with { BytesIn = 0, BytesOut = 0 }).ToList();

        private static ulong Bytes(JsonElement item, string name) => ulong.Parse(item.GetProperty("ExtraDetails").GetProperty(name).GetString()!);

        private static List<Flow> Ipv4Flows(Ipv4FlowTable table, out int dropped)
        {
            dropped = table.DroppedFlows;
            var flows = new List<Flow>();
            for (int i = 0; i < table.Count; i++)
            {
                flows.Add(new Flow(
                    table.Protocol(i),
                    Ipv4Text(table.LocalAddress(i)),
                    table.LocalPort(i),
                    Ipv4Text(table.RemoteAddress(i)),
                    table.RemotePort(i),
                    table.Direction(i),
                    table.BytesIn(i),
                    table.BytesOut(i),
                    table.HitCount(i)));
            }

            return flows;
        }

        private static List<Flow> Ipv6Flows(Ipv6FlowTable table)
        {
            var flows = new List<Flow>();
            var local = new byte[16];
            var remote = new byte[16];
            for (int i = 0; i < table.Count; i++)
            {
                table.CopyLocalAddress(i, local, 0);
                table.CopyRemoteAddress(i, remote, 0);
                flows.Add(new Flow(
                    table.Protocol(i),
                    new IPAddress(local).ToString(),
                    table.LocalPort(i),
                    new IPAddress(remote).ToString(),
                    table.RemotePort(i),
                    table.Direction(i),
                    table.BytesIn(i),
                    table.BytesOut(i),
                    table.HitCount(i)));
            }

            return flows;
        }

        private static string Ipv4Text(uint address)
        {
            return new IPAddress(new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address }).ToString();
        }

        private sealed record Flow(TransportProtocol Protocol, string Local, int LocalPort, string Remote, int RemotePort, FlowDirection Direction, ulong BytesIn, ulong BytesOut, uint Hits);

        /// <summary>A listener, a client connected to it and the accepted socket, all on one loopback address.</summary>
        private sealed class LoopbackPair : IDisposable
        {
            private readonly TcpListener _listener;
            private readonly TcpClient _client;
            private readonly TcpClient _accepted;

            private LoopbackPair(TcpListener listener, TcpClient client, TcpClient accepted)
            {
                _listener = listener;
                _client = client;
                _accepted = accepted;
            }

            public int ServerPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

            public int ClientPort => ((IPEndPoint)_client.Client.LocalEndPoint).Port;

            public static LoopbackPair Open(IPAddress loopback)
            {
                var listener = new TcpListener(loopback, 0);
                listener.Start();
                try
                {
                    var client = new TcpClient(loopback.AddressFamily);
                    client.Connect(loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
                    TcpClient accepted = listener.AcceptTcpClient();
                    return new LoopbackPair(listener, client, accepted);
                }
                catch
                {
                    listener.Stop();
                    throw;
                }
            }

            /// <summary>
            /// Sends <paramref name="toServer"/> bytes to the server and <paramref name="toClient"/> back, then one
            /// more byte to the server: once each end has read everything, each one's kernel has
            /// had the peer's acknowledgement of what it sent before (the next segment carries it).
            /// </summary>
            public void Exchange(int toServer, int toClient)
            {
                Transfer(_client.GetStream(), _accepted.GetStream(), toServer);
                Transfer(_accepted.GetStream(), _client.GetStream(), toClient);
                Transfer(_client.GetStream(), _accepted.GetStream(), 1);
            }

            private static void Transfer(NetworkStream from, NetworkStream to, int count)
            {
                var data = new byte[count];
                var writer = System.Threading.Tasks.Task.Run(() => from.Write(data, 0, data.Length));
                to.ReadExactly(new byte[count], 0, count);
                writer.Wait();
            }

            public void Dispose()
            {
                _client.Dispose();
                _accepted.Dispose();
                _listener.Stop();
            }
        }
    }
}
