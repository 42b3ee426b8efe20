using System.Buffers.Binary;
using System.Net;
using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    public class Ipv6ConnectionCacheTests
    {
        private static readonly FlowFilter AcceptAll = new FlowFilter(false, false, false, false);
        private static readonly FlowFilter UnicastOnly = new FlowFilter(false, false, false, true);

        private static readonly byte[] Device = Ip("2001:db8::2");
        private static readonly byte[] Peer = Ip("2001:db8:1:2:3:4:5:6");

        internal static byte[] Ip(string address)
        {
            return IPAddress.Parse(address).GetAddressBytes();
        }

        private static byte[] Local(Ipv6FlowTable table, int i)
        {
            var address = new byte[16];
            table.CopyLocalAddress(i, address, 0);
            return address;
        }

        private static byte[] Remote(Ipv6FlowTable table, int i)
        {
            var address = new byte[16];
            table.CopyRemoteAddress(i, address, 0);
            return address;
        }

        [Fact]
        public void BothDirectionsOfOneConversationAggregateIntoOneFlow()
        {
            var cache = new Ipv6ConnectionCache(8, AcceptAll);
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 443, Peer, 0, 50000, 70));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 443, Peer, 0, 50000, 1400));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 443, Peer, 0, 50000, 600));
            Assert.Equal(1, cache.Count);

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(1, table.Count);
            Assert.Equal(Device, Local(table, 0));
            Assert.Equal(Peer, Remote(table, 0));
            Assert.Equal((ushort)443, table.LocalPort(0));
            Assert.Equal((ushort)50000, table.RemotePort(0));
            Assert.Equal(TransportProtocol.Tcp, table.Protocol(0));
            Assert.Equal(FlowDirection.In, table.Direction(0));
            Assert.Equal(70UL, table.BytesIn(0));
            Assert.Equal(2000UL, table.BytesOut(0));
            Assert.Equal(3U, table.HitCount(0));
        }

        [Fact]
        public void EveryAddressByteAndKeyFieldSeparatesFlows()
        {
            var cache = new Ipv6ConnectionCache(64, AcceptAll);
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 0, 1, Peer, 0, 2, 1));
            for (int b = 0; b < 16; b++)
            {
                byte[] local = (byte[])Device.Clone();
                local[b] ^= 0x01;
                byte[] remote = (byte[])Peer.Clone();
                remote[b] ^= 0x80;
                Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, local, 0, 1, Peer, 0, 2, 1));
                Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 0, 1, remote, 0, 2, 1));
            }

            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 2, 1));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 0, 9, Peer, 0, 2, 1));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 0, 1, Peer, 0, 9, 1));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Peer, 0, 2, Device, 0, 1, 1));
            // And the first flow once more: it must be found among the others.
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Device, 0, 1, Peer, 0, 2, 5));

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(1 + 32 + 4, table.Count);
            Assert.Equal(2U, table.HitCount(0));
            Assert.Equal(5UL, table.BytesIn(0));
            for (int i = 1; i < table.Count; i++)
            {
                Assert.Equal(1U, table.HitCount(i));
            }

            byte[] expected = (byte[])Peer.Clone();
            expected[15] ^= 0x80;
            Assert.Equal(expected, Remote(table, 32));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(9)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(22)]
        [InlineData(27)]
        [InlineData(31)]
        public void FlowsChainedInOneBucketAreToldApartByEveryAddressWord(int addressByte)
        {
            // Addresses differing in one byte (0-15 local, 16-31 remote) that hash to the same
            // bucket, so that only the comparison of that word on the chain keeps them apart.
            const int Capacity = 2;
            uint buckets = (uint)FlowTable.BucketCount(Capacity);
            for (int value = 1; ; value++)
            {
                var addresses = new byte[32];
                Array.Copy(Device, 0, addresses, 0, 16);
                Array.Copy(Peer, 0, addresses, 16, 16);
                var changed = (byte[])addresses.Clone();
                changed[addressByte] ^= (byte)value;
                if (BucketOf(addresses, buckets) != BucketOf(changed, buckets))
                {
                    continue;
                }

                var cache = new Ipv6ConnectionCache(Capacity, AcceptAll);
                Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, addresses, 0, 1, addresses, 16, 2, 1));
                Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, changed, 0, 1, changed, 16, 2, 2));
                Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, addresses, 0, 1, addresses, 16, 2, 4));

                Ipv6FlowTable table = cache.SwapForCollection();
                Assert.Equal(2, table.Count);
                Assert.Equal(addresses.AsSpan(0, 16).ToArray(), Local(table, 0));
                Assert.Equal(addresses.AsSpan(16).ToArray(), Remote(table, 0));
                Assert.Equal(changed.AsSpan(0, 16).ToArray(), Local(table, 1));
                Assert.Equal(changed.AsSpan(16).ToArray(), Remote(table, 1));
                Assert.Equal((1UL, 4UL, 2U), (table.BytesOut(0), table.BytesIn(0), table.HitCount(0)));
                Assert.Equal((2UL, 0UL, 1U), (table.BytesOut(1), table.BytesIn(1), table.HitCount(1)));
                return;
            }
        }

        private static uint BucketOf(byte[] addresses, uint buckets)
        {
            uint Word(int at) => BinaryPrimitives.ReadUInt32BigEndian(addresses.AsSpan(at));
            return Ipv6FlowTable.Hash(
                TransportProtocol.Udp, Word(0), Word(4), Word(8), Word(12), 1, Word(16), Word(20), Word(24), Word(28), 2) % buckets;
        }

        [Fact]
        public void AddressesAreCopiedFromTheirOffsetsAndNeverKept()
        {
            var buffer = new byte[64];
            Array.Copy(Peer, 0, buffer, 3, 16);
            Array.Copy(Device, 0, buffer, 40, 16);
            var cache = new Ipv6ConnectionCache(4, AcceptAll);
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, buffer, 40, 547, buffer, 3, 546, 300));

            // The caller reuses its buffer for the next packet.
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = 0xEE;
            }

            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Device, 0, 547, Peer, 0, 546, 200));

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(1, table.Count);
            Assert.Equal(500UL, table.BytesIn(0));
            Assert.Equal(2U, table.HitCount(0));

            var destination = new byte[40];
            table.CopyLocalAddress(0, destination, 5);
            table.CopyRemoteAddress(0, destination, 21);
            Assert.Equal(Device, destination.AsSpan(5, 16).ToArray());
            Assert.Equal(Peer, destination.AsSpan(21, 16).ToArray());
            Assert.All(destination.AsSpan(0, 5).ToArray(), b => Assert.Equal(0, b));
            Assert.All(destination.AsSpan(37).ToArray(), b => Assert.Equal(0, b));
        }

        [Fact]
        public void FullCacheRefusesNewFlowsButKeepsCountingKnownOnes()
        {
            var cache = new Ipv6ConnectionCache(2, AcceptAll);
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 443, 10));
            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 2, Peer, 0, 443, 10));
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 3, Peer, 0, 443, 10));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 3, Peer, 0, 443, 10));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 443, 99));

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(2, table.Count);
            Assert.Equal(1, table.DroppedFlows);
            Assert.Equal(2L, table.DroppedPackets);
            Assert.Equal(99UL, table.BytesIn(0));
            Assert.Equal(2U, table.HitCount(0));
            table.Clear();
            Assert.Equal(0, table.DroppedFlows);
            Assert.Equal(0L, table.DroppedPackets);

            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 3, Peer, 0, 443, 10));
            Ipv6FlowTable next = cache.SwapForCollection();
            Assert.Equal(1, next.Count);
            Assert.Equal((ushort)3, next.LocalPort(0));
        }

        [Fact]
        public void ZeroCapacityRefusesEverything()
        {
            var cache = new Ipv6ConnectionCache(0, AcceptAll);
            Assert.Equal(0, cache.Capacity);
            Assert.False(cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 2, 10));
            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(0, table.Count);
            Assert.Equal(1L, table.DroppedPackets);
        }

        [Theory]
        [InlineData(TransportProtocol.Tcp)]
        [InlineData(TransportProtocol.Udp)]
        [InlineData(TransportProtocol.Icmp)]
        public void DisabledProtocolIsIgnoredAndNotCountedAsDropped(TransportProtocol disabled)
        {
            var filter = new FlowFilter(
                disabled == TransportProtocol.Tcp, disabled == TransportProtocol.Udp, disabled == TransportProtocol.Icmp, false);
            var cache = new Ipv6ConnectionCache(4, filter);

            Assert.False(cache.Record(FlowDirection.In, disabled, Device, 0, 1, Peer, 0, 2, 10));
            Assert.False(cache.Record(FlowDirection.Out, disabled, Device, 0, 1, Peer, 0, 2, 10));
            foreach (TransportProtocol other in new[] { TransportProtocol.Tcp, TransportProtocol.Udp, TransportProtocol.Icmp })
            {
                if (other != disabled)
                {
                    Assert.True(cache.Record(FlowDirection.In, other, Device, 0, 1, Peer, 0, 2, 10));
                }
            }

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(2, table.Count);
            Assert.NotEqual(disabled, table.Protocol(0));
            Assert.NotEqual(disabled, table.Protocol(1));
            Assert.Equal(0L, table.DroppedPackets);
        }

        [Fact]
        public void UnicastOnlyIgnoresInboundMulticast()
        {
            var cache = new Ipv6ConnectionCache(8, UnicastOnly);
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Icmp, Ip("ff02::1"), 0, 0, Peer, 0, 0, 64));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip("ff05::1:3"), 0, 547, Peer, 0, 546, 64));
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip("ff0e::fb"), 0, 5353, Peer, 0, 5353, 64));
            Assert.Equal(0, cache.Count);

            Assert.True(cache.Record(FlowDirection.Out, TransportProtocol.Udp, Device, 0, 5353, Ip("ff02::fb"), 0, 5353, 64));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip("fe80::1"), 0, 5353, Peer, 0, 5353, 64));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip("feff::1"), 0, 5353, Peer, 0, 5353, 64));

            Ipv6FlowTable table = cache.SwapForCollection();
            Assert.Equal(3, table.Count);
            Assert.Equal(Ip("ff02::fb"), Remote(table, 0));
            Assert.Equal(0L, table.DroppedPackets);
        }

        [Fact]
        public void UnicastOnlyReadsTheMulticastPrefixAtTheOffset()
        {
            var buffer = new byte[32];
            Array.Copy(Ip("ff02::1"), 0, buffer, 7, 16);
            var cache = new Ipv6ConnectionCache(8, UnicastOnly);
            Assert.False(cache.Record(FlowDirection.In, TransportProtocol.Udp, buffer, 7, 1, Peer, 0, 2, 64));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, buffer, 0, 1, Peer, 0, 2, 64));
        }

        [Fact]
        public void WithoutUnicastOnlyInboundMulticastCounts()
        {
            var cache = new Ipv6ConnectionCache(8, AcceptAll);
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Icmp, Ip("ff02::1"), 0, 0, Peer, 0, 0, 64));
            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Udp, Ip("ff02::fb"), 0, 5353, Peer, 0, 5353, 64));
            Assert.Equal(2, cache.Count);
        }

        [Fact]
        public void InvalidArgumentsThrowAndCountNothing()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv6ConnectionCache(-1, AcceptAll));
            Assert.Throws<ArgumentNullException>(() => new Ipv6ConnectionCache(1, null));

            var cache = new Ipv6ConnectionCache(4, AcceptAll);
            var shortArray = new byte[15];
            var buffer = new byte[20];
            Assert.Throws<ArgumentNullException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, null, 0, 1, Peer, 0, 2, 1));
            Assert.Throws<ArgumentNullException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 1, null, 0, 2, 1));
            Assert.Throws<ArgumentException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, shortArray, 0, 1, Peer, 0, 2, 1));
            Assert.Throws<ArgumentException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 1, shortArray, 0, 2, 1));
            Assert.Throws<ArgumentException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, buffer, 5, 1, Peer, 0, 2, 1));
            Assert.Throws<ArgumentException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 1, buffer, -1, 2, 1));
            Assert.Throws<ArgumentException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, int.MinValue, 1, Peer, 0, 2, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Record(FlowDirection.In, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 2, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Record((FlowDirection)7, TransportProtocol.Tcp, Device, 0, 1, Peer, 0, 2, 1));
            Assert.Equal(0, cache.Count);

            Assert.True(cache.Record(FlowDirection.In, TransportProtocol.Tcp, buffer, 4, 1, Peer, 0, 2, 1));
        }
    }
}
