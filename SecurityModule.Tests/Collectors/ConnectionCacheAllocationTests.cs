using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    /// <summary>Recording runs per packet on the device: it must not allocate, whatever the path.</summary>
    public class ConnectionCacheAllocationTests
    {
        private const int Flows = 64;
        private const int Records = 10_000;

        private static readonly FlowFilter UnicastOnly = new FlowFilter(false, false, false, true);

        [Fact]
        public void Ipv4RecordAllocatesNothing()
        {
            var cache = new Ipv4ConnectionCache(Flows, UnicastOnly);
            RecordIpv4(cache, 0, Flows);
            Assert.Equal(Flows, cache.Count);
            RecordIpv4(cache, 0, Records);

            long before = GC.GetAllocatedBytesForCurrentThread();
            int counted = RecordIpv4(cache, 0, Records);
            long knownFlows = GC.GetAllocatedBytesForCurrentThread() - before;

            // Beyond the 64 known flows every flow is new and refused: the full-cache path.
            before = GC.GetAllocatedBytesForCurrentThread();
            int refused = Records - RecordIpv4(cache, Flows, Records);
            long newFlows = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(Records, counted);
            Assert.Equal(Records, refused);
            Assert.Equal(0, knownFlows);
            Assert.Equal(0, newFlows);
        }

        [Fact]
        public void Ipv6RecordAllocatesNothing()
        {
            var cache = new Ipv6ConnectionCache(Flows, UnicastOnly);
            var local = Ipv6ConnectionCacheTests.Ip("2001:db8::1");
            var remote = new byte[16];
            RecordIpv6(cache, local, remote, 0, Flows);
            Assert.Equal(Flows, cache.Count);
            RecordIpv6(cache, local, remote, 0, Records);

            long before = GC.GetAllocatedBytesForCurrentThread();
            int counted = RecordIpv6(cache, local, remote, 0, Records);
            long knownFlows = GC.GetAllocatedBytesForCurrentThread() - before;

            before = GC.GetAllocatedBytesForCurrentThread();
            int refused = Records - RecordIpv6(cache, local, remote, Flows, Records);
            long newFlows = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(Records, counted);
            Assert.Equal(Records, refused);
            Assert.Equal(0, knownFlows);
            Assert.Equal(0, newFlows);
        }

        [Fact]
        public void SwapAndClearAllocateNothing()
        {
            var cache4 = new Ipv4ConnectionCache(Flows, UnicastOnly);
            var cache6 = new Ipv6ConnectionCache(Flows, UnicastOnly);
            var local = Ipv6ConnectionCacheTests.Ip("2001:db8::1");
            var remote = new byte[16];
            RecordIpv4(cache4, 0, 2 * Flows);
            RecordIpv6(cache6, local, remote, 0, 2 * Flows);
            cache4.SwapForCollection().Clear();
            cache6.SwapForCollection().Clear();
            RecordIpv4(cache4, 0, 2 * Flows);
            RecordIpv6(cache6, local, remote, 0, 2 * Flows);

            long before = GC.GetAllocatedBytesForCurrentThread();
            cache4.SwapForCollection().Clear();
            cache6.SwapForCollection().Clear();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }

        /// <summary>Records packets of flows first..first+63, both directions; returns how many counted.</summary>
        private static int RecordIpv4(Ipv4ConnectionCache cache, int first, int records)
        {
            int counted = 0;
            for (int n = 0; n < records; n++)
            {
                int f = first + (n % Flows);
                FlowDirection direction = (n & 1) == 0 ? FlowDirection.In : FlowDirection.Out;
                if (cache.Record(direction, (TransportProtocol)(f % 3), 0x0A000001, 80, 0x0A010000 + (uint)f, (ushort)f, n & 1023))
                {
                    counted++;
                }
            }

            return counted;
        }

        private static int RecordIpv6(Ipv6ConnectionCache cache, byte[] local, byte[] remote, int first, int records)
        {
            int counted = 0;
            remote[0] = 0x20;
            for (int n = 0; n < records; n++)
            {
                int f = first + (n % Flows);
                remote[14] = (byte)(f >> 8);
                remote[15] = (byte)f;
                FlowDirection direction = (n & 1) == 0 ? FlowDirection.In : FlowDirection.Out;
                if (cache.Record(direction, (TransportProtocol)(f % 3), local, 0, 443, remote, 0, (ushort)f, n & 1023))
                {
                    counted++;
                }
            }

            return counted;
        }
    }
}
