using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    /// <summary>
    /// Recorder threads race a collector that keeps swapping, draining and clearing: every packet
    /// must come out exactly once, either in a drained flow or as a dropped packet.
    /// </summary>
    public class ConnectionCacheConcurrencyTests
    {
        private const int Recorders = 4;
        private const int PacketsPerRecorder = 200_000;
        private const int Flows = 200;
        private const ushort FirstRemotePort = 1000;

        private static readonly FlowFilter AcceptAll = new FlowFilter(false, false, false, false);
        private static readonly uint Device = 0x0A000001;
        private static readonly byte[] Device6 = Ipv6ConnectionCacheTests.Ip("2001:db8::1");

        [Theory]
        [InlineData(256)] // room for every flow: nothing may be dropped
        [InlineData(16)] // most flows refused in every interval
        public void Ipv4EveryPacketIsDrainedOrDroppedExactlyOnce(int capacity)
        {
            var cache = new Ipv4ConnectionCache(capacity, AcceptAll);
            Run(
                capacity,
                (f, direction, bytes) => cache.Record(direction, (TransportProtocol)(f % 3), Device, 80, Device + 1 + (uint)f, (ushort)(FirstRemotePort + f), bytes),
                totals =>
                {
                    Ipv4FlowTable table = cache.SwapForCollection();
                    for (int i = 0; i < table.Count; i++)
                    {
                        int f = table.RemotePort(i) - FirstRemotePort;
                        Assert.Equal(Device, table.LocalAddress(i));
                        Assert.Equal(Device + 1 + (uint)f, table.RemoteAddress(i));
                        Assert.Equal((ushort)80, table.LocalPort(i));
                        Assert.Equal((TransportProtocol)(f % 3), table.Protocol(i));
                        totals.Add(f, table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
                    }

                    totals.AddDropped(table.DroppedPackets);
                    int count = table.Count;
                    table.Clear();
                    return count;
                });
        }

        [Theory]
        [InlineData(256)]
        [InlineData(16)]
        public void Ipv6EveryPacketIsDrainedOrDroppedExactlyOnce(int capacity)
        {
            var remotes = new byte[Flows][];
            for (int f = 0; f < Flows; f++)
            {
                remotes[f] = Ipv6ConnectionCacheTests.Ip("2001:db8:ffff::" + (f + 2).ToString("x"));
            }

            var cache = new Ipv6ConnectionCache(capacity, AcceptAll);
            var address = new byte[16];
            Run(
                capacity,
                (f, direction, bytes) => cache.Record(direction, (TransportProtocol)(f % 3), Device6, 0, 80, remotes[f], 0, (ushort)(FirstRemotePort + f), bytes),
                totals =>
                {
                    Ipv6FlowTable table = cache.SwapForCollection();
                    for (int i = 0; i < table.Count; i++)
                    {
                        int f = table.RemotePort(i) - FirstRemotePort;
                        table.CopyLocalAddress(i, address, 0);
                        Assert.Equal(Device6, address);
                        table.CopyRemoteAddress(i, address, 0);
                        Assert.Equal(remotes[f], address);
                        Assert.Equal((TransportProtocol)(f % 3), table.Protocol(i));
                        totals.Add(f, table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
                    }

                    totals.AddDropped(table.DroppedPackets);
                    int count = table.Count;
                    table.Clear();
                    return count;
                });
        }

        /// <param name="record">Records a packet of flow f; returns what Record returned.</param>
        /// <param name="drain">Swaps, adds the drained table to the totals, clears it; returns its flow count.</param>
        private static void Run(int capacity, Func<int, FlowDirection, int, bool> record, Func<Totals, int> drain)
        {
            var expected = new Totals();
            var drained = new Totals();
            long refused = 0;
            int drainsWithFlows = 0;
            int recording = Recorders;
            using var start = new Barrier(Recorders + 1);

            var recorders = new Thread[Recorders];
            for (int t = 0; t < Recorders; t++)
            {
                int seed = t;
                recorders[t] = new Thread(() =>
                {
                    var mine = new Totals();
                    long myRefused = 0;
                    var random = new Random(seed);
                    start.SignalAndWait();
                    for (int n = 0; n < PacketsPerRecorder; n++)
                    {
                        int f = random.Next(Flows);
                        FlowDirection direction = random.Next(2) == 0 ? FlowDirection.In : FlowDirection.Out;
                        int bytes = random.Next(1500);
                        if (record(f, direction, bytes))
                        {
                            mine.Add(f, direction == FlowDirection.In ? (ulong)bytes : 0, direction == FlowDirection.Out ? (ulong)bytes : 0, 1);
                        }
                        else
                        {
                            myRefused++;
                        }
                    }

                    lock (expected)
                    {
                        expected.Merge(mine);
                        refused += myRefused;
                    }

                    Interlocked.Decrement(ref recording);
                });
                recorders[t].Start();
            }

            var collector = new Thread(() =>
            {
                start.SignalAndWait();
                while (Volatile.Read(ref recording) > 0)
                {
                    if (drain(drained) > 0)
                    {
                        drainsWithFlows++;
                    }
                }
            });
            collector.Start();

            foreach (Thread recorder in recorders)
            {
                recorder.Join();
            }

            collector.Join();
            drain(drained);

            Assert.True(drainsWithFlows >= 2, "the collector should have swapped while packets were recorded");
            Assert.Equal((long)Recorders * PacketsPerRecorder, expected.TotalHits() + refused);
            Assert.Equal(refused, drained.Dropped);
            if (capacity >= Flows)
            {
                Assert.Equal(0, refused);
            }
            else
            {
                Assert.True(refused > 0);
            }

            for (int f = 0; f < Flows; f++)
            {
                Assert.Equal(expected.BytesIn[f], drained.BytesIn[f]);
                Assert.Equal(expected.BytesOut[f], drained.BytesOut[f]);
                Assert.Equal(expected.Hits[f], drained.Hits[f]);
            }
        }

        private sealed class Totals
        {
            public readonly ulong[] BytesIn = new ulong[Flows];
            public readonly ulong[] BytesOut = new ulong[Flows];
            public readonly ulong[] Hits = new ulong[Flows];
            public long Dropped;

            public void Add(int f, ulong bytesIn, ulong bytesOut, uint hits)
            {
                BytesIn[f] += bytesIn;
                BytesOut[f] += bytesOut;
                Hits[f] += hits;
            }

            public void AddDropped(long packets)
            {
                Dropped += packets;
            }

            public void Merge(Totals other)
            {
                for (int f = 0; f < Flows; f++)
                {
                    Add(f, other.BytesIn[f], other.BytesOut[f], (uint)other.Hits[f]);
                }
            }

            public long TotalHits()
            {
                long sum = 0;
                foreach (ulong h in Hits)
                {
                    sum += (long)h;
                }

                return sum;
            }
        }
    }
}
