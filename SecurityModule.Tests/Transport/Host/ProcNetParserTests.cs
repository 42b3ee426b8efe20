using System.Net;
using NanoSecurity.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>ProcNetParser on tables captured from a real kernel and on hand-written lines with known values.</summary>
    public sealed class ProcNetParserTests
    {
        private static readonly string SamplesDirectory = Path.Combine(AppContext.BaseDirectory, "Transport", "Host", "ProcNetSamples");

        // ---- captured on a real machine (see ProcNetSamples/README.md) ----

        [Fact]
        public void CapturedTcpHasTheListenersAndBothEndsOfTheConnections()
        {
            var entries = ParseSample("tcp.txt", TransportProtocol.Tcp, ipv6: false);

            Assert.Equal(
                new[]
                {
                    "tcp 0.0.0.0:2024 0.0.0.0:0 0A",
                    "tcp 127.0.0.1:60881 0.0.0.0:0 0A",
                    "tcp 127.0.0.1:60612 127.0.0.1:60881 01",
                    "tcp 127.0.0.1:60881 127.0.0.1:60612 01",
                    "tcp 127.0.0.1:49392 127.0.0.1:33039 01",
                },
                entries.Select(Describe));
            Assert.Equal(new ulong[] { 1045, 404315, 404316, 404317, 404322 }, entries.Select(e => e.Inode));
            Assert.All(entries, e => Assert.Equal(0u, e.Uid));
            Assert.All(entries, e => Assert.False(e.IsIpv6));
            Assert.Equal(new[] { true, true, false, false, false }, entries.Select(e => e.IsListening));
            Assert.Equal(new[] { false, false, true, true, true }, entries.Select(e => e.IsConnected));
            Assert.Equal(0x7F000001u, entries[1].LocalIpv4);
        }

        [Fact]
        public void CapturedTcp6HasLoopbackIpv6AndAnIpv4MappedPeerOfTheDualStackListener()
        {
            var entries = ParseSample("tcp6.txt", TransportProtocol.Tcp, ipv6: true);

            Assert.Equal(
                new[]
                {
                    "tcp6 [::]:33039 [::]:0 0A",
                    "tcp6 [::1]:35181 [::]:0 0A",
                    "tcp6 [::ffff:127.0.0.1]:33039 [::ffff:127.0.0.1]:49392 01",
                    "tcp6 [::1]:42770 [::1]:35181 01",
                    "tcp6 [::1]:35181 [::1]:42770 01",
                },
                entries.Select(Describe));
            Assert.Equal(IPAddress.IPv6Any, entries[0].LocalAddress);
            Assert.Equal(IPAddress.IPv6Loopback, entries[1].LocalAddress);
            Assert.Equal(new[] { false, false, true, false, false }, entries.Select(e => e.IsIpv4Mapped));

            ProcNetEntry mapped = entries[2];
            Assert.Equal(IPAddress.Parse("127.0.0.1").MapToIPv6(), mapped.LocalAddress);
            Assert.Equal(0x7F000001u, mapped.LocalIpv4);
            Assert.Equal(0x7F000001u, mapped.RemoteIpv4);
            Assert.Throws<InvalidOperationException>(() => entries[3].LocalIpv4);
        }

        [Fact]
        public void CapturedUdpHasAnUnconnectedAndAConnectedSocket()
        {
            var entries = ParseSample("udp.txt", TransportProtocol.Udp, ipv6: false);

            Assert.Equal(new[] { "udp 127.0.0.1:60320 0.0.0.0:0 07", "udp 127.0.0.1:60930 127.0.0.1:60320 01" }, entries.Select(Describe));
            Assert.True(entries[0].IsListening);
            Assert.False(entries[0].IsConnected);
            Assert.False(entries[1].IsListening);
            Assert.True(entries[1].IsConnected);
            Assert.Equal(new ulong[] { 404324, 404325 }, entries.Select(e => e.Inode));
        }

        [Fact]
        public void CapturedUdp6HasAnUnconnectedAndAConnectedSocket()
        {
            var entries = ParseSample("udp6.txt", TransportProtocol.Udp, ipv6: true);

            Assert.Equal(new[] { "udp6 [::1]:50019 [::]:0 07", "udp6 [::1]:33827 [::1]:50019 01" }, entries.Select(Describe));
            Assert.True(entries[0].IsListening);
            Assert.True(entries[1].IsConnected);
            Assert.Equal(IPAddress.IPv6Loopback, entries[1].RemoteAddress);
        }

        [Theory]
        [InlineData("tcp.txt", false)]
        [InlineData("tcp6.txt", true)]
        [InlineData("udp.txt", false)]
        [InlineData("udp6.txt", true)]
        public void EveryLineOfACapturedTableButTheHeaderIsAnEntry(string file, bool ipv6)
        {
            string content = File.ReadAllText(Path.Combine(SamplesDirectory, file));
            int socketLines = content.Split('\n').Skip(1).Count(l => l.Trim().Length > 0);

            Assert.True(socketLines > 0);
            Assert.Equal(socketLines, ProcNetParser.Parse(content, TransportProtocol.Tcp, ipv6).Count);
        }

        // ---- hand-written lines with known values ----

        [Theory]
        [InlineData("0100007F:1F90", "127.0.0.1", 8080)]
        [InlineData("00000000:0016", "0.0.0.0", 22)]
        [InlineData("0201A8C0:D431", "192.168.1.2", 54321)]
        [InlineData("FFFFFFFF:FFFF", "255.255.255.255", 65535)]
        [InlineData("0a00000a:0035", "10.0.0.10", 53)]
        public void AnIpv4EndpointIsTheNetworkOrderAddressPrintedAsALittleEndianWord(string endpoint, string address, int port)
        {
            ProcNetEntry entry = ParseSingle(FakeProcRoot.Line(0, endpoint, "00000000:0000", "0A"), ipv6: false);

            Assert.Equal(IPAddress.Parse(address), entry.LocalAddress);
            Assert.Equal(port, entry.LocalPort);
            Assert.Equal(IPAddress.Parse(address).GetAddressBytes(), entry.GetLocalAddressBytes());
        }

        [Theory]
        [InlineData("00000000000000000000000001000000", "::1")]
        [InlineData("00000000000000000000000000000000", "::")]
        [InlineData("0000000000000000FFFF00000100007F", "::ffff:127.0.0.1")]
        [InlineData("B80D0120000000000000000001000000", "2001:db8::1")]
        [InlineData("000080FE00000000FF0000023E2121FE", "fe80::200:ff:fe21:213e")]
        [InlineData("000000FD000000000000000002000000", "fd00::2")]
        public void AnIpv6AddressIsFourSuchWords(string hex, string address)
        {
            ProcNetEntry entry = ParseSingle(FakeProcRoot.Line(0, hex + ":22B8", hex + ":C001", "01"), ipv6: true);

            Assert.Equal(IPAddress.Parse(address), entry.LocalAddress);
            Assert.Equal(IPAddress.Parse(address), entry.RemoteAddress);
            Assert.Equal(8888, entry.LocalPort);
            Assert.Equal(0xC001, entry.RemotePort);
            Assert.True(entry.IsIpv6);
        }

        [Fact]
        public void ABigEndianKernelPrintsTheAddressInOrder()
        {
            var entries = ProcNetParser.Parse(FakeProcRoot.Tcp4Header + FakeProcRoot.Line(0, "7F000001:1F90", "C0A80102:0050", "01"), TransportProtocol.Tcp, ipv6: false, littleEndian: false);

            ProcNetEntry entry = Assert.Single(entries);
            Assert.Equal(IPAddress.Parse("127.0.0.1"), entry.LocalAddress);
            Assert.Equal(IPAddress.Parse("192.168.1.2"), entry.RemoteAddress);
            Assert.Equal(0xC0A80102u, entry.RemoteIpv4);
        }

        [Fact]
        public void TheRestOfALineIsRead()
        {
            string line = "  12: 0100007F:1F90 0201A8C0:D431 06 00000000:00000000 03:00001770 00000000  1001        0 0 3 0000000000000000";
            ProcNetEntry entry = ParseSingle(line, ipv6: false);

            Assert.Equal(0x06, entry.State);
            Assert.Equal(1001u, entry.Uid);
            Assert.Equal(0ul, entry.Inode);
            Assert.True(entry.IsConnected);
            Assert.Equal(TransportProtocol.Tcp, entry.Protocol);
        }

        [Theory]
        [InlineData(TransportProtocol.Tcp, "0A", "00000000:0000", true, false)]  // LISTEN
        [InlineData(TransportProtocol.Tcp, "01", "0201A8C0:01BB", false, true)]  // ESTABLISHED
        [InlineData(TransportProtocol.Tcp, "02", "0201A8C0:01BB", false, true)]  // SYN_SENT: an attempt
        [InlineData(TransportProtocol.Tcp, "06", "0201A8C0:01BB", false, true)]  // TIME_WAIT: just closed
        [InlineData(TransportProtocol.Tcp, "07", "00000000:0000", false, false)] // CLOSE: bound only
        [InlineData(TransportProtocol.Udp, "07", "00000000:0000", true, false)]  // unconnected
        [InlineData(TransportProtocol.Udp, "01", "0201A8C0:0035", false, true)]  // connected
        public void ListeningAndConnectedFollowTheStateAndTheRemotePort(TransportProtocol protocol, string state, string remote, bool listening, bool connected)
        {
            var entries = ProcNetParser.Parse(FakeProcRoot.Tcp4Header + FakeProcRoot.Line(0, "0100007F:1F90", remote, state), protocol, ipv6: false);

            ProcNetEntry entry = Assert.Single(entries);
            Assert.Equal(protocol, entry.Protocol);
            Assert.Equal(listening, entry.IsListening);
            Assert.Equal(connected, entry.IsConnected);
        }

        [Fact]
        public void AnIpv6ListenerOnAMappedAddressIsIpv4ButOneOnAnyIsNot()
        {
            string content = FakeProcRoot.Tcp6Header
                + FakeProcRoot.Line(0, "0000000000000000FFFF00000100007F:1F90", "00000000000000000000000000000000:0000", "0A") + "\n"
                + FakeProcRoot.Line(1, "00000000000000000000000000000000:1F91", "00000000000000000000000000000000:0000", "0A") + "\n"
                + FakeProcRoot.Line(2, "00000000000000000000000001000000:1F92", "0000000000000000FFFF00000100007F:0050", "01");

            var entries = ProcNetParser.Parse(content, TransportProtocol.Tcp, ipv6: true);

            Assert.Equal(new[] { true, false, false }, entries.Select(e => e.IsIpv4Mapped));
            Assert.Equal(0x7F000001u, entries[0].LocalIpv4);
            Assert.Equal(0u, entries[0].RemoteIpv4);
        }

        [Fact]
        public void MalformedLinesAreSkippedAndTheGoodOnesKept()
        {
            string good1 = FakeProcRoot.Line(0, "0100007F:1F90", "00000000:0000", "0A", inode: 11);
            string good2 = FakeProcRoot.Line(1, "0100007F:1F91", "0100007F:C000", "01", inode: 12);
            string content = string.Join(
                "\n",
                FakeProcRoot.Tcp4Header.TrimEnd('\n'),
                string.Empty,
                "   ",
                good1,
                "   1: 0100007F:1F90",                                                                                    // truncated
                "   2: 0100007F1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                     // no colon in the endpoint
                "   3: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                    // not hex
                "   4: 100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                     // 7 digits
                "   5: 00000000000000000000000001000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1", // IPv6 address in an IPv4 table
                "   6: 0100007F:1F90 00000000:0000 A 00000000:00000000 00:00000000 00000000 0 0 1 1",                     // one-digit state
                "   7: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 1 1",                   // negative uid
                "   8: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 inode 1",                // inode not a number
                "   9: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 99999999999999999999999 1", // inode overflows
                "  x1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                    // slot not a number
                "  10 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                     // slot without colon
                "  11: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                     // 3-digit port
                "  12: 0100007F:+F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",                    // sign in the port
                "\0\u00ff garbage \u2028",
                good2 + "\r");

            var entries = ProcNetParser.Parse(content, TransportProtocol.Tcp, ipv6: false);

            Assert.Equal(new ulong[] { 11, 12 }, entries.Select(e => e.Inode));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(FakeProcRoot.Tcp4Header)]
        [InlineData("\n\n\n")]
        public void NoSocketLinesGiveNoEntries(string content)
        {
            Assert.Empty(ProcNetParser.Parse(content, TransportProtocol.Udp, ipv6: false));
            Assert.Empty(ProcNetParser.Parse(content, TransportProtocol.Udp, ipv6: true));
        }

        [Fact]
        public void AnEntryCopiesItsAddresses()
        {
            var local = new byte[] { 127, 0, 0, 1 };
            var entry = new ProcNetEntry(TransportProtocol.Tcp, false, local, 1, new byte[4], 0, ProcNetEntry.TcpListen, 0, 0);
            local[0] = 10;
            entry.GetLocalAddressBytes()[1] = 99;

            Assert.Equal(IPAddress.Loopback, entry.LocalAddress);
            Assert.Throws<ArgumentException>(() => new ProcNetEntry(TransportProtocol.Tcp, true, local, 1, new byte[4], 0, 1, 0, 0));
            Assert.Throws<ArgumentNullException>(() => new ProcNetEntry(TransportProtocol.Tcp, false, null, 1, new byte[4], 0, 1, 0, 0));
        }

        private static IReadOnlyList<ProcNetEntry> ParseSample(string file, TransportProtocol protocol, bool ipv6)
        {
            // These tables were printed by a little-endian kernel, so they are read as such whatever this machine is.
            return ProcNetParser.Parse(File.ReadAllText(Path.Combine(SamplesDirectory, file)), protocol, ipv6, littleEndian: true);
        }

        private static ProcNetEntry ParseSingle(string line, bool ipv6)
        {
            string header = ipv6 ? FakeProcRoot.Tcp6Header : FakeProcRoot.Tcp4Header;
            return Assert.Single(ProcNetParser.Parse(header + line + "\n", TransportProtocol.Tcp, ipv6, littleEndian: true));
        }

        private static string Describe(ProcNetEntry e)
        {
            string table = (e.Protocol == TransportProtocol.Tcp ? "tcp" : "udp") + (e.IsIpv6 ? "6" : string.Empty);
            return $"{table} {new IPEndPoint(e.LocalAddress, e.LocalPort)} {new IPEndPoint(e.RemoteAddress, e.RemotePort)} {e.State:X2}";
        }
    }
}
