using NanoSecurity.Tests.Collectors;
using Xunit;

namespace NanoSecurity.Tests.Detections
{
    /// <summary>Rules are evaluated on the packet path (a flow's first packet): with 16 deny ranges loaded, Record still allocates nothing.</summary>
    public class DetectionAllocationTests
    {
        private const int Flows = 4096;
        private static readonly FlowFilter UnicastOnly = new FlowFilter(false, false, false, true);

        private static EdgeDetector DetectorWith16DenyRanges()
        {
            var settings = new DetectionSettings();
            for (int i = 0; i < 8; i++)
            {
                CidrRangeTests.Add(settings.DeniedRemoteAddresses, "203.0." + (113 + i) + ".0/24");
                CidrRangeTests.Add(settings.DeniedRemoteAddresses, "2001:db8:" + i + "::/48");
            }

            settings.PortScanDistinctPorts = 8;
            var detector = new EdgeDetector(new FakeMonotonicClock { ElapsedMilliseconds = 1000 });
            detector.Configure(settings);
            Assert.Equal(16, settings.DeniedRemoteAddresses.Count);
            return detector;
        }

        [Fact]
        public void Ipv4RecordWithRulesAllocatesNothing()
        {
            EdgeDetector detector = DetectorWith16DenyRanges();
            var cache = new Ipv4ConnectionCache(Flows, UnicastOnly) { Detector = detector };
            Record(cache, 0, 64);

            long before = GC.GetAllocatedBytesForCurrentThread();
            // New flows: inbound and outbound, denied (203.0.113.x and up) and not, then the same flows again.
            int counted = Record(cache, 64, Flows - 64) + Record(cache, 64, Flows - 64);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(2 * (Flows - 64), counted);
            Assert.Equal(0, allocated);
            Assert.True(detector.HasPending);
            Assert.True(detector.Lost > 0, "the queue should have filled: the full path was not exercised");
        }

        [Fact]
        public void Ipv6RecordWithRulesAllocatesNothing()
        {
            EdgeDetector detector = DetectorWith16DenyRanges();
            var cache = new Ipv6ConnectionCache(Flows, UnicastOnly) { Detector = detector };
            byte[] local = Ipv6ConnectionCacheTests.Ip("2001:db9::1");
            byte[] remote = Ipv6ConnectionCacheTests.Ip("2001:db8:3::1");
            byte[] other = Ipv6ConnectionCacheTests.Ip("2001:dba::1");

            long before = GC.GetAllocatedBytesForCurrentThread();
            int counted = 0;
            for (int i = 0; i < Flows; i++)
            {
                byte[] peer = i % 2 == 0 ? remote : other;
                peer[15] = (byte)i;
                counted += cache.Record(i % 3 == 0 ? FlowDirection.In : FlowDirection.Out, TransportProtocol.Tcp, local, 0, (ushort)(i % 200), peer, 0, 443, 60) ? 1 : 0;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(Flows, counted);
            Assert.Equal(0, allocated);
            Assert.True(detector.HasPending);
        }

        private static int Record(Ipv4ConnectionCache cache, int from, int count)
        {
            int counted = 0;
            for (int i = from; i < from + count; i++)
            {
                uint remote = (uint)(0xCB007100 + ((i % 16) << 8) + (i & 0xFF));
                FlowDirection direction = i % 3 == 0 ? FlowDirection.In : FlowDirection.Out;
                counted += cache.Record(direction, TransportProtocol.Tcp, 0xC0A80114, (ushort)(1000 + (i % 50)), remote, (ushort)(i >> 4), 60) ? 1 : 0;
            }

            return counted;
        }
    }
}
