using System.Reflection;
using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    public class Ipv4ConnectionCacheTests
    {
        private static readonly FlowFilter AcceptAll = new FlowFilter(false, false, false, false);
        private static readonly FlowFilter UnicastOnly = new FlowFilter(false, false, false, true);

        private static readonly uint Device = Ip(192, 168, 1, 2);
        private static readonly uint Peer = Ip(20, 30, 40, 50);

        internal static uint Ip(byte a, byte b, byte c, byte d)
        {
            return ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;
        }

        [Fact]
        public void BothDirectionsOfOneConversationAggregateIntoOneFlow()
        {
            var cache = new Ipv4ConnectionCache(8, AcceptAll);

            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 50000, Peer, 443, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 50000, Peer, 443, 1400));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 50000, Peer, 443, 60));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 50000, Peer, 443, 40));
            Assert.Equal(1, cache.Count);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(1, table.Count);
            Assert.Equal(Device, table.LocalAddress(0));
            Assert.Equal(Peer, table.RemoteAddress(0));
            Assert.Equal((ushort)50000, table.LocalPort(0));
            Assert.Equal((ushort)443, table.RemotePort(0));
            Assert.Equal(TransportProtocol.Tcp, table.Protocol(0));
            Assert.Equal(FlowDirection.Out, table.Direction(0));
            Assert.Equal(1460UL, table.BytesIn(0));
            Assert.Equal(140UL, table.BytesOut(0));
            Assert.Equal(4U, table.HitCount(0));
            Assert.Equal(0, table.DroppedFlows);
            Assert.Equal(0L, table.DroppedPackets);
        }

        [Fact]
        public void DirectionIsThatOfTheFirstPacket()
        {
            var cache = new Ipv4ConnectionCache(8, AcceptAll);
            cache.Record(FlowDirection.In, TransportProtocol.Udp, Device, 53, Peer, 40000, 80);
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 53, Peer, 40000, 200);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(FlowDirection.In, table.Direction(0));
            Assert.Equal(80UL, table.BytesIn(0));
            Assert.Equal(200UL, table.BytesOut(0));
        }

        [Fact]
        public void EachKeyFieldSeparatesFlowsWhichKeepInsertionOrder()
        {
            var cache = new Ipv4ConnectionCache(16, AcceptAll);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1000, Peer, 80, 1);
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 1000, Peer, 80, 2);
            cache.Record(FlowDirection.Out, TransportProtocol.Icmp, Device, 1000, Peer, 80, 3);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1001, Peer, 80, 4);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1000, Peer, 81, 5);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device + 1, 1000, Peer, 80, 6);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1000, Peer + 1, 80, 7);
            // Local and remote swapped is another conversation, not the reverse direction.
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Peer, 80, Device, 1000, 8);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(8, table.Count);
            for (int i = 0; i < table.Count; i++)
            {
                Assert.Equal((ulong)(i + 1), table.BytesOut(i));
                Assert.Equal(1U, table.HitCount(i));
            }

            Assert.Equal(TransportProtocol.Icmp, table.Protocol(2));
            Assert.Equal((ushort)1001, table.LocalPort(3));
            Assert.Equal((ushort)81, table.RemotePort(4));
            Assert.Equal(Device + 1, table.LocalAddress(5));
            Assert.Equal(Peer + 1, table.RemoteAddress(6));
            Assert.Equal(Peer, table.LocalAddress(7));
        }

        [Fact]
        public void SwapHandsOverTheRecordedTableAndRecordingRestartsEmpty()
        {
            var cache = new Ipv4ConnectionCache(4, AcceptAll);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 10);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 3, Peer, 4, 20);

            Ipv4FlowTable first = cache.SwapForCollection();
            Assert.Equal(0, cache.Count);
            Assert.Equal(2, first.Count);

            cache.Record(FlowDirection.In, TransportProtocol.Udp, Device, 5, Peer, 6, 30);
            Assert.Equal(1, cache.Count);
            Assert.Equal(2, first.Count);
            first.Clear();
            Assert.Equal(0, first.Count);

            Ipv4FlowTable second = cache.SwapForCollection();
            Assert.NotSame(first, second);
            Assert.Equal(1, second.Count);
            Assert.Equal((ushort)5, second.LocalPort(0));
            Assert.Equal(30UL, second.BytesIn(0));
            Assert.Equal(0UL, second.BytesOut(0));

            // The cleared table records again from scratch.
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 7);
            second.Clear();
            Ipv4FlowTable third = cache.SwapForCollection();
            Assert.Same(first, third);
            Assert.Equal(1, third.Count);
            Assert.Equal(7UL, third.BytesOut(0));
            Assert.Equal(1U, third.HitCount(0));
        }

        [Fact]
        public void SwapClearsATableTheCallerForgotToClear()
        {
            var cache = new Ipv4ConnectionCache(2, AcceptAll);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 10);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 3, Peer, 4, 10);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 5, Peer, 6, 10);
            Ipv4FlowTable forgotten = cache.SwapForCollection();
            Assert.Equal(1, forgotten.DroppedFlows);

            cache.SwapForCollection();
            Assert.Equal(0, cache.Count);
            Assert.Equal(0, forgotten.Count);
            Assert.Equal(0, forgotten.DroppedFlows);
            Assert.Equal(0L, forgotten.DroppedPackets);

            cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 3, Peer, 4, 5);
            Ipv4FlowTable next = cache.SwapForCollection();
            Assert.Same(forgotten, next);
            Assert.Equal(1, next.Count);
            Assert.Equal(5UL, next.BytesIn(0));
            Assert.Equal(1U, next.HitCount(0));
        }

        [Fact]
        public void FullCacheRefusesNewFlowsButKeepsCountingKnownOnes()
        {
            var cache = new Ipv4ConnectionCache(3, AcceptAll);
            Assert.Equal(3, cache.Capacity);
            for (ushort port = 1; port <= 3; port++)
            {
                Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, port, Peer, 443, 100));
            }

            Assert.Equal(3, cache.Count);
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 4, Peer, 443, 100));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 4, Peer, 443, 100));
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 5, Peer, 53, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 2, Peer, 443, 900));
            Assert.Equal(3, cache.Count);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(3, table.Count);
            Assert.Equal(2, table.DroppedFlows);
            Assert.Equal(3L, table.DroppedPackets);
            Assert.Equal(900UL, table.BytesIn(1));
            Assert.Equal(100UL, table.BytesOut(1));
            Assert.Equal(2U, table.HitCount(1));

            // The next interval has room again.
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 4, Peer, 443, 100));
            table.Clear();
            Ipv4FlowTable next = cache.SwapForCollection();
            Assert.Equal(1, next.Count);
            Assert.Equal((ushort)4, next.LocalPort(0));
            Assert.Equal(0, next.DroppedFlows);
            Assert.Equal(0L, next.DroppedPackets);
        }

        [Fact]
        public void ZeroCapacityRefusesEverything()
        {
            var cache = new Ipv4ConnectionCache(0, AcceptAll);
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 10));
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 10));
            Assert.Equal(0, cache.Count);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(0, table.Count);
            Assert.Equal(1, table.DroppedFlows);
            Assert.Equal(2L, table.DroppedPackets);
        }

        [Fact]
        public void ManyFlowsShareBucketsWithoutMixingUp()
        {
            const int Flows = 1000;
            var cache = new Ipv4ConnectionCache(Flows, AcceptAll);
            for (int round = 0; round < 3; round++)
            {
                for (int f = 0; f < Flows; f++)
                {
                    Assert.True(cache.Record(FlowDirection.In, (TransportProtocol)(f % 3), Device, (ushort)(f % 7), Peer + (uint)(f / 7), 80, f));
                }
            }

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(Flows, table.Count);
            for (int f = 0; f < Flows; f++)
            {
                Assert.Equal(Peer + (uint)(f / 7), table.RemoteAddress(f));
                Assert.Equal((ushort)(f % 7), table.LocalPort(f));
                Assert.Equal((ulong)(3 * f), table.BytesIn(f));
                Assert.Equal(3U, table.HitCount(f));
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        public void FlowsChainedInOneBucketAreToldApartByEachKeyField(int field)
        {
            // Find two keys that differ only in one field yet hash to the same bucket, so that
            // only the key comparison on the chain can keep them apart.
            const int Capacity = 2;
            uint buckets = (uint)FlowTable.BucketCount(Capacity);
            for (ushort seed = 0; ; seed++)
            {
                var first = (Local: Device, Remote: Peer, LocalPort: seed, RemotePort: (ushort)443, Protocol: TransportProtocol.Tcp);
                var second = first;
                switch (field)
                {
                    case 0: second.Local = Device + 1; break;
                    case 1: second.Remote = Peer + 1; break;
                    case 2: second.LocalPort = (ushort)(seed + 1); break;
                    case 3: second.RemotePort = 444; break;
                    default: second.Protocol = TransportProtocol.Udp; break;
                }

                uint firstBucket = Ipv4FlowTable.Hash(first.Protocol, first.Local, first.LocalPort, first.Remote, first.RemotePort) % buckets;
                uint secondBucket = Ipv4FlowTable.Hash(second.Protocol, second.Local, second.LocalPort, second.Remote, second.RemotePort) % buckets;
                if (firstBucket != secondBucket)
                {
                    continue;
                }

                var cache = new Ipv4ConnectionCache(Capacity, AcceptAll);
                Assert.True(cache.Record(FlowDirection.Out, first.Protocol, first.Local, first.LocalPort, first.Remote, first.RemotePort, 1));
                Assert.True(cache.Record(FlowDirection.Out, second.Protocol, second.Local, second.LocalPort, second.Remote, second.RemotePort, 2));
                Assert.True(cache.Record(FlowDirection.In, first.Protocol, first.Local, first.LocalPort, first.Remote, first.RemotePort, 4));
                Assert.True(cache.Record(FlowDirection.In, second.Protocol, second.Local, second.LocalPort, second.Remote, second.RemotePort, 8));

                Ipv4FlowTable table = cache.SwapForCollection();
                Assert.Equal(2, table.Count);
                Assert.Equal(first, (table.LocalAddress(0), table.RemoteAddress(0), table.LocalPort(0), table.RemotePort(0), table.Protocol(0)));
                Assert.Equal(second, (table.LocalAddress(1), table.RemoteAddress(1), table.LocalPort(1), table.RemotePort(1), table.Protocol(1)));
                Assert.Equal((1UL, 4UL, 2U), (table.BytesOut(0), table.BytesIn(0), table.HitCount(0)));
                Assert.Equal((2UL, 8UL, 2U), (table.BytesOut(1), table.BytesIn(1), table.HitCount(1)));
                return;
            }
        }

        [Theory]
        [InlineData(TransportProtocol.Tcp)]
        [InlineData(TransportProtocol.Udp)]
        [InlineData(TransportProtocol.Icmp)]
        public void DisabledProtocolIsIgnoredAndNotCountedAsDropped(TransportProtocol disabled)
        {
            var filter = new FlowFilter(
                disabled == TransportProtocol.Tcp, disabled == TransportProtocol.Udp, disabled == TransportProtocol.Icmp, false);
            var cache = new Ipv4ConnectionCache(4, filter);

            Assert.False(cache.Record(FlowDirection.Out, disabled, Device, 1, Peer, 2, 10));
            Assert.False(cache.Record(FlowDirection.In, disabled, Device, 1, Peer, 2, 10));
            Assert.Equal(0, cache.Count);
            foreach (TransportProtocol other in new[] { TransportProtocol.Tcp, TransportProtocol.Udp, TransportProtocol.Icmp })
            {
                if (other != disabled)
                {
                    Assert.True(cache.Record(FlowDirection.Out, other, Device, 1, Peer, 2, 10));
                }
            }

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(2, table.Count);
            Assert.NotEqual(disabled, table.Protocol(0));
            Assert.NotEqual(disabled, table.Protocol(1));
            Assert.Equal(0, table.DroppedFlows);
            Assert.Equal(0L, table.DroppedPackets);
        }

        [Fact]
        public void UndefinedProtocolIsIgnored()
        {
            var cache = new Ipv4ConnectionCache(4, AcceptAll);
            Assert.False(cache.Record(FlowDirection.Out, (TransportProtocol)3, Device, 1, Peer, 2, 10));
            Assert.Equal(0, cache.Count);
        }

        [Fact]
        public void UnicastOnlyIgnoresInboundMulticastAndBroadcast()
        {
            var cache = new Ipv4ConnectionCache(16, UnicastOnly);

            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(224, 0, 0, 251), 5353, Peer, 5353, 100));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(239, 255, 255, 250), 1900, Peer, 1900, 100));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(255, 255, 255, 255), 68, Peer, 67, 100));
            Assert.Equal(0, cache.Count);

            // Sent to a group: the device's own traffic, counted.
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 5353, Ip(224, 0, 0, 251), 5353, 100));
            // The neighbours of 224.0.0.0/4, and a subnet broadcast, which needs the netmask to recognise.
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(223, 255, 255, 255), 1, Peer, 1, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(240, 0, 0, 0), 1, Peer, 1, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(192, 168, 1, 255), 1, Peer, 1, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 80, Peer, 1234, 100));

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(5, table.Count);
            Assert.Equal(Ip(224, 0, 0, 251), table.RemoteAddress(0));
            Assert.Equal(0, table.DroppedFlows);
        }

        [Fact]
        public void WithoutUnicastOnlyInboundMulticastAndBroadcastCount()
        {
            var cache = new Ipv4ConnectionCache(16, AcceptAll);
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(224, 0, 0, 251), 5353, Peer, 5353, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(239, 255, 255, 250), 1900, Peer, 1900, 100));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip(255, 255, 255, 255), 68, Peer, 67, 100));
            Assert.Equal(3, cache.Count);
        }

        [Fact]
        public void CountersAreWideAndHitCountSaturates()
        {
            var cache = new Ipv4ConnectionCache(1, AcceptAll);
            for (int i = 0; i < 3; i++)
            {
                cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 1, Peer, 2, int.MaxValue);
            }

            // Put the flow one packet short of the limit rather than sending four billion packets.
            var hits = (uint[])typeof(FlowTable)
                .GetField("_hitCounts", BindingFlags.NonPublic | BindingFlags.Instance)
                .GetValue(GetRecording(cache));
            hits[0] = uint.MaxValue - 1;
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 1);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 1, Peer, 2, 1);

            Ipv4FlowTable table = cache.SwapForCollection();
            Assert.Equal(3UL * int.MaxValue, table.BytesIn(0));
            Assert.Equal(2UL, table.BytesOut(0));
            Assert.Equal(uint.MaxValue, table.HitCount(0));
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4ConnectionCache(-1, AcceptAll));
            Assert.Throws<ArgumentNullException>(() => new Ipv4ConnectionCache(1, null));

            var cache = new Ipv4ConnectionCache(4, AcceptAll);
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 1, Peer, 2, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Record((FlowDirection)2, TransportProtocol.Tcp, Device, 1, Peer, 2, 1));
            Assert.Equal(0, cache.Count);
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 1, Peer, 2, 0));
        }

        private static Ipv4FlowTable GetRecording(Ipv4ConnectionCache cache)
        {
            return (Ipv4FlowTable)typeof(ConnectionCache)
                .GetField("_recording", BindingFlags.NonPublic | BindingFlags.Instance)
                .GetValue(cache);
        }
    }
}
