namespace NanoSecurity.Tests.Simulation
{
    /// <summary>One packet of a trace, as a packet hook would hand it to the flow caches.</summary>
    internal readonly struct TracePacket
    {
        internal TracePacket(long timeMs, FlowKey flow, FlowDirection direction, int bytes)
        {
            TimeMs = timeMs;
            Flow = flow;
            Direction = direction;
            Bytes = bytes;
        }

        /// <summary>Milliseconds since the module was started.</summary>
        internal long TimeMs { get; }

        internal FlowKey Flow { get; }

        internal FlowDirection Direction { get; }

        internal int Bytes { get; }
    }

    /// <summary>
    /// The key of a flow as the caches aggregate it: protocol, addresses and ports (direction is
    /// not part of it). IPv6 addresses are indexes into <see cref="ReferenceTrace.Ipv6Addresses"/>.
    /// </summary>
    internal readonly record struct FlowKey(bool IsIpv6, TransportProtocol Protocol, uint Local, ushort LocalPort, uint Remote, ushort RemotePort);

    /// <summary>
    /// The reference 24-hour packet trace of a typical MCU, for the wire-cost simulation
    /// (docs/performance.md). Deterministic: the same parameters give the same packets.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>5 long-lived IPv4 flows, always active: MQTT over TLS to IoT Hub (8883), MQTT to a LAN broker
    /// (1883), three HTTPS connections (443), each exchanging a request and a reply every 2 to 10 s.</item>
    /// <item>2 new short-lived IPv4 flows every minute: a DNS lookup (UDP 53), then NTP (UDP 123) on even
    /// minutes and an HTTP GET (TCP 80, 9 packets) on odd minutes, each from a new ephemeral port.</item>
    /// <item>2 long-lived IPv6 flows: MQTT over TLS (8883) every 5 s and HTTPS (443) every 10 s.</item>
    /// <item>Every 6 hours (03:00, 09:00, 15:00, 21:00), a port scan: 500 new inbound TCP flows within one
    /// minute (a SYN every 120 ms to local ports 1..500, each answered by a RST).</item>
    /// </list>
    /// Addresses are documentation ranges (RFC 5737, RFC 3849) and a private LAN; no traffic is sent anywhere.
    /// </remarks>
    internal sealed class ReferenceTrace
    {
        internal const long Second = 1000;
        internal const long Minute = 60 * Second;
        internal const long Hour = 60 * Minute;

        internal const uint Device = 0xC0A80114;      // 192.168.1.20
        internal const uint Gateway = 0xC0A80101;     // 192.168.1.1, the DNS resolver
        internal const uint LanBroker = 0xC0A80102;   // 192.168.1.2
        internal const uint IotHub = 0xCB00710A;      // 203.0.113.10
        internal const uint HttpsServer = 0xCB007114; // 203.0.113.20 (+0, +1, +2)
        internal const uint NtpServer = 0xCB00717B;   // 203.0.113.123
        internal const uint HttpServer = 0xCB007150;  // 203.0.113.80
        internal const uint Scanner = 0xC6336442;     // 198.51.100.66

        /// <summary>IPv6 addresses a <see cref="FlowKey"/> refers to by index: the device, then its two peers.</summary>
        internal static readonly byte[][] Ipv6Addresses =
        {
            Ipv6(0x2001, 0x0db8, 0x0001, 0, 0, 0, 0, 0x0020),      // 2001:db8:1::20, the device
            Ipv6(0x2001, 0x0db8, 0x0100, 0, 0, 0, 0, 0x0010),      // 2001:db8:100::10, MQTT broker
            Ipv6(0x2001, 0x0db8, 0x0200, 0, 0, 0, 0x0001, 0x0020), // 2001:db8:200::1:20, HTTPS server
        };

        /// <summary>Length of the trace.</summary>
        internal long DurationMs { get; init; } = 24 * Hour;

        /// <summary>Seed of the packet-size jitter.</summary>
        internal int Seed { get; init; } = 6;

        /// <summary>Long-lived IPv4 flows (at most 5 are defined).</summary>
        internal int LongLivedIpv4 { get; init; } = 5;

        /// <summary>Long-lived IPv6 flows (at most 2 are defined).</summary>
        internal int LongLivedIpv6 { get; init; } = 2;

        /// <summary>Whether the two short-lived IPv4 flows a minute are in the trace.</summary>
        internal bool ShortLived { get; init; } = true;

        /// <summary>Time of the first scan burst.</summary>
        internal long FirstScanAtMs { get; init; } = 3 * Hour;

        /// <summary>Time between scan bursts.</summary>
        internal long ScanEveryMs { get; init; } = 6 * Hour;

        /// <summary>New inbound flows of one scan burst (0: no scans).</summary>
        internal int ScanFlows { get; init; } = 500;

        /// <summary>Time one scan burst takes.</summary>
        internal long ScanWindowMs { get; init; } = Minute;

        /// <summary>Every packet of the trace, in time order (ties in generation order).</summary>
        internal IReadOnlyList<TracePacket> Packets()
        {
            var packets = new List<TracePacket>(300_000);
            var random = new Random(Seed);

            // Long-lived IPv4: (remote, remote port, local port, period, bytes out, bytes in).
            var longIpv4 = new (uint Remote, ushort RemotePort, ushort LocalPort, long Period, int Out, int In)[]
            {
                (IotHub, 8883, 49200, 5 * Second, 240, 80),
                (LanBroker, 1883, 49201, 2 * Second, 120, 60),
                (HttpsServer, 443, 49202, 10 * Second, 400, 1200),
                (HttpsServer + 1, 443, 49203, 7 * Second, 300, 600),
                (HttpsServer + 2, 443, 49204, 3 * Second, 90, 90),
            };
            for (int f = 0; f < Math.Min(LongLivedIpv4, longIpv4.Length); f++)
            {
                var spec = longIpv4[f];
                var key = new FlowKey(false, TransportProtocol.Tcp, Device, spec.LocalPort, spec.Remote, spec.RemotePort);
                Exchange(packets, random, key, f * 137, spec.Period, spec.Out, spec.In);
            }

            // Long-lived IPv6.
            var longIpv6 = new (uint Remote, ushort RemotePort, ushort LocalPort, long Period, int Out, int In)[]
            {
                (1, 8883, 49300, 5 * Second, 260, 90),
                (2, 443, 49301, 10 * Second, 500, 1400),
            };
            for (int f = 0; f < Math.Min(LongLivedIpv6, longIpv6.Length); f++)
            {
                var spec = longIpv6[f];
                var key = new FlowKey(true, TransportProtocol.Tcp, 0, spec.LocalPort, spec.Remote, spec.RemotePort);
                Exchange(packets, random, key, 311 + f * 97, spec.Period, spec.Out, spec.In);
            }

            if (ShortLived)
            {
                ushort ephemeral = 50000;
                for (long minute = 0; minute * Minute < DurationMs; minute++)
                {
                    long t = minute * Minute;

                    // DNS lookup: query and answer.
                    var dns = new FlowKey(false, TransportProtocol.Udp, Device, NextPort(ref ephemeral), Gateway, 53);
                    Add(packets, t + 12 * Second, dns, FlowDirection.Out, Jitter(random, 70));
                    Add(packets, t + 12 * Second + 25, dns, FlowDirection.In, Jitter(random, 130));

                    if (minute % 2 == 0)
                    {
                        var ntp = new FlowKey(false, TransportProtocol.Udp, Device, NextPort(ref ephemeral), NtpServer, 123);
                        Add(packets, t + 41 * Second, ntp, FlowDirection.Out, 90);
                        Add(packets, t + 41 * Second + 40, ntp, FlowDirection.In, 90);
                    }
                    else
                    {
                        var http = new FlowKey(false, TransportProtocol.Tcp, Device, NextPort(ref ephemeral), HttpServer, 80);
                        long s = t + 41 * Second;
                        Add(packets, s, http, FlowDirection.Out, 74);           // SYN
                        Add(packets, s + 30, http, FlowDirection.In, 74);       // SYN-ACK
                        Add(packets, s + 31, http, FlowDirection.Out, 66);      // ACK
                        Add(packets, s + 32, http, FlowDirection.Out, Jitter(random, 320)); // GET
                        Add(packets, s + 70, http, FlowDirection.In, 66);       // ACK
                        Add(packets, s + 90, http, FlowDirection.In, 1460);     // response
                        Add(packets, s + 91, http, FlowDirection.In, Jitter(random, 900));
                        Add(packets, s + 92, http, FlowDirection.Out, 66);      // FIN
                        Add(packets, s + 120, http, FlowDirection.In, 66);      // FIN
                    }
                }
            }

            if (ScanFlows > 0)
            {
                long step = ScanWindowMs / ScanFlows;
                for (long start = FirstScanAtMs; start < DurationMs; start += ScanEveryMs)
                {
                    for (int i = 0; i < ScanFlows; i++)
                    {
                        var probe = new FlowKey(false, TransportProtocol.Tcp, Device, (ushort)(1 + i), Scanner, 45678);
                        long t = start + i * step;
                        Add(packets, t, probe, FlowDirection.In, 60);       // SYN
                        Add(packets, t + 1, probe, FlowDirection.Out, 54);  // RST
                    }
                }
            }

            // Stable sort by time: ties keep generation order.
            var order = new List<(TracePacket Packet, int Index)>(packets.Count);
            for (int i = 0; i < packets.Count; i++)
            {
                order.Add((packets[i], i));
            }

            order.Sort((a, b) => a.Packet.TimeMs != b.Packet.TimeMs ? a.Packet.TimeMs.CompareTo(b.Packet.TimeMs) : a.Index.CompareTo(b.Index));
            return order.Select(o => o.Packet).ToArray();
        }

        /// <summary>The 16-byte address a key refers to (IPv6 keys only).</summary>
        internal static byte[] Ipv6Address(uint index) => Ipv6Addresses[index];

        private void Exchange(List<TracePacket> packets, Random random, FlowKey key, long phase, long period, int bytesOut, int bytesIn)
        {
            // A request and, 40 ms later, its reply, every period for the whole trace.
            for (long t = phase; t < DurationMs; t += period)
            {
                Add(packets, t, key, FlowDirection.Out, Jitter(random, bytesOut));
                Add(packets, t + 40, key, FlowDirection.In, Jitter(random, bytesIn));
            }
        }

        private static void Add(List<TracePacket> packets, long time, FlowKey key, FlowDirection direction, int bytes)
        {
            packets.Add(new TracePacket(time, key, direction, bytes));
        }

        private static int Jitter(Random random, int bytes) => bytes * (75 + random.Next(51)) / 100;

        private static ushort NextPort(ref ushort port)
        {
            ushort current = port;
            port = port >= 59999 ? (ushort)50000 : (ushort)(port + 1);
            return current;
        }

        private static byte[] Ipv6(params int[] groups)
        {
            var bytes = new byte[16];
            for (int i = 0; i < 8; i++)
            {
                bytes[2 * i] = (byte)(groups[i] >> 8);
                bytes[(2 * i) + 1] = (byte)groups[i];
            }

            return bytes;
        }
    }
}
