using System.Buffers.Binary;
using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    /// <summary>
    /// The count of distinct refused flows against a model, on random traces that overflow a
    /// 64-flow cache with many flows: exact within the refused-flow budget; beyond it flagged as a
    /// lower bound, and equal to what the model says the fingerprints tell apart.
    /// </summary>
    public class ConnectionCacheDropCountTests
    {
        private const int Capacity = 64;
        private const uint Device = 0xC0A80114;

        private static readonly FlowFilter AcceptAll = new FlowFilter(false, false, false, false);

        [Theory]
        [InlineData(1_000, 1_000, 1)]      // within the budget: exact
        [InlineData(1_000, 4_096, 2)]
        [InlineData(100_000, 100_000, 3)]
        [InlineData(1_000, 0, 4)]          // fingerprints only
        [InlineData(1_000, 64, 5)]         // beyond the budget: a flagged lower bound
        [InlineData(100_000, 4_096, 6)]
        public void Ipv4DistinctRefusedFlowsMatchTheModel(int refusedFlows, int budget, int seed)
        {
            var cache = new Ipv4ConnectionCache(Capacity, budget, AcceptAll);
            Run(
                refusedFlows,
                budget,
                seed,
                flow => Ipv4FlowTable.Hash(flow.Protocol, Device, flow.LocalPort, (uint)flow.Remote, flow.RemotePort),
                (flow, direction, bytes) => cache.Record(direction, flow.Protocol, Device, flow.LocalPort, (uint)flow.Remote, flow.RemotePort, bytes),
                () => cache.SwapForCollection());
        }

        [Theory]
        [InlineData(1_000, 1_000, 11)]
        [InlineData(100_000, 100_000, 12)]
        [InlineData(1_000, 64, 13)]
        [InlineData(100_000, 4_096, 14)]
        public void Ipv6DistinctRefusedFlowsMatchTheModel(int refusedFlows, int budget, int seed)
        {
            byte[] device = Ipv6ConnectionCacheTests.Ip("2001:db8::20");
            var remote = new byte[16];
            var cache = new Ipv6ConnectionCache(Capacity, budget, AcceptAll);
            Run(
                refusedFlows,
                budget,
                seed,
                flow => Ipv6FlowTable.Hash(
                    flow.Protocol,
                    Word(device, 0), Word(device, 4), Word(device, 8), Word(device, 12), flow.LocalPort,
                    (uint)(flow.Remote >> 96), (uint)(flow.Remote >> 64), (uint)(flow.Remote >> 32), (uint)flow.Remote, flow.RemotePort),
                (flow, direction, bytes) =>
                {
                    BinaryPrimitives.WriteUInt128BigEndian(remote, flow.Remote);
                    return cache.Record(direction, flow.Protocol, device, 0, flow.LocalPort, remote, 0, flow.RemotePort, bytes);
                },
                () => cache.SwapForCollection());
        }

        /// <summary>
        /// Fills the cache with 64 known flows, then records a shuffled trace of their packets and
        /// of 1 to 3 packets of each refused flow, and checks the drained table against the model.
        /// </summary>
        private static void Run(
            int refusedFlows,
            int budget,
            int seed,
            Func<Flow, uint> hash,
            Func<Flow, FlowDirection, int, bool> record,
            Func<FlowTable> swap)
        {
            var random = new Random(seed);
            var seen = new HashSet<Flow>();
            var known = new List<Flow>();
            var refused = new List<Flow>();
            while (known.Count < Capacity || refused.Count < refusedFlows)
            {
                var protocol = (TransportProtocol)random.Next(3);
                bool icmp = protocol == TransportProtocol.Icmp;
                var flow = new Flow(
                    protocol,
                    icmp ? (ushort)0 : (ushort)random.Next(1, 65536),
                    // Few distinct remote addresses and ports, so that flows differ in one field only.
                    ((UInt128)0x20010db8 << 96) | (UInt128)(uint)random.Next(1, 2000),
                    icmp ? (ushort)0 : (ushort)random.Next(1, 8));
                if (seen.Add(flow))
                {
                    (known.Count < Capacity ? known : refused).Add(flow);
                }
            }

            foreach (Flow flow in known)
            {
                Assert.True(record(flow, FlowDirection.Out, 60));
            }

            var trace = new List<(Flow Flow, bool Known)>();
            foreach (Flow flow in known)
            {
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    trace.Add((flow, true));
                }
            }

            foreach (Flow flow in refused)
            {
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    trace.Add((flow, false));
                }
            }

            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trace));

            // The model: the first `budget` distinct refused flows by their keys, the others by fingerprint.
            var kept = new HashSet<Flow>();
            var fingerprints = new HashSet<uint>();
            int buckets = FlowTable.BucketCount(Capacity);
            long refusedPackets = 0;
            foreach ((Flow flow, bool isKnown) in trace)
            {
                Assert.Equal(isKnown, record(flow, random.Next(2) == 0 ? FlowDirection.In : FlowDirection.Out, random.Next(1500)));
                if (!isKnown)
                {
                    refusedPackets++;
                    if (!kept.Contains(flow) && !(kept.Count < budget && kept.Add(flow)))
                    {
                        fingerprints.Add(FlowTable.FingerprintSlot(hash(flow), buckets));
                    }
                }
            }

            FlowTable table = swap();
            Assert.Equal(Capacity, table.Count);
            Assert.Equal(refusedPackets, table.DroppedPackets);
            Assert.Equal(kept.Count + fingerprints.Count, table.DroppedFlows);
            Assert.Equal(refusedFlows > budget, table.DroppedFlowsIsLowerBound);
            if (refusedFlows <= budget)
            {
                Assert.Equal(refusedFlows, table.DroppedFlows);
            }
            else
            {
                Assert.InRange(table.DroppedFlows, budget, refusedFlows);
            }

            // Cleared, the table forgets the refused flows: they are counted again in the next interval.
            table.Clear();
            Assert.Equal(0, table.DroppedFlows);
            Assert.False(table.DroppedFlowsIsLowerBound);
        }

        private static uint Word(byte[] address, int offset) => BinaryPrimitives.ReadUInt32BigEndian(address.AsSpan(offset));

        private readonly record struct Flow(TransportProtocol Protocol, ushort LocalPort, UInt128 Remote, ushort RemotePort);
    }
}
