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
        private static readonly byte[][] Remotes6 = Ipv6Remotes();

        [Theory]
        [InlineData(256)] // room for every flow: nothing may be dropped
        [InlineData(16)] // most flows refused in every interval
        public void Ipv4EveryPacketIsDrainedOrDroppedExactlyOnce(int capacity)
        {
            var cache = new Ipv4ConnectionCache(capacity, AcceptAll);
            Run(capacity, false, RecordIpv4(cache), totals => Read(cache.SwapForCollection(), totals, true));
        }

        [Theory]
        [InlineData(256)]
        [InlineData(16)]
        public void Ipv6EveryPacketIsDrainedOrDroppedExactlyOnce(int capacity)
        {
            var cache = new Ipv6ConnectionCache(capacity, AcceptAll);
            Run(capacity, false, RecordIpv6(cache), totals => Read(cache.SwapForCollection(), totals, true));
        }

        /// <summary>
        /// Flow aggregation's spill path under load: full tables are set aside while recorders run,
        /// and the collector takes them, swaps, releases (or leaves a table for the next swap to
        /// clear) and turns spilling on and off, in a random order.
        /// </summary>
        [Theory]
        [InlineData(0)] // every packet refused; the empty full table spills at once
        [InlineData(1)]
        [InlineData(16)]
        [InlineData(64)]
        public void Ipv4SpillPathDrainsOrDropsEveryPacketExactlyOnce(int capacity)
        {
            var cache = new Ipv4ConnectionCache(capacity, AcceptAll);
            cache.SpillWhenFull = true;
            var spill = new SpillingCollector(
                cache,
                on => cache.SpillWhenFull = on,
                totals => Read(cache.TakeSpilledForCollection(), totals, false),
                totals => Read(cache.SwapForCollection(), totals, false));
            Run(capacity, true, RecordIpv4(cache), spill.Step, spill.Finish);
            Assert.True(spill.SpilledTaken > 0, "the collector should have taken a spilled table while packets were recorded");
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(16)]
        [InlineData(64)]
        public void Ipv6SpillPathDrainsOrDropsEveryPacketExactlyOnce(int capacity)
        {
            var cache = new Ipv6ConnectionCache(capacity, AcceptAll);
            cache.SpillWhenFull = true;
            var spill = new SpillingCollector(
                cache,
                on => cache.SpillWhenFull = on,
                totals => Read(cache.TakeSpilledForCollection(), totals, false),
                totals => Read(cache.SwapForCollection(), totals, false));
            Run(capacity, true, RecordIpv6(cache), spill.Step, spill.Finish);
            Assert.True(spill.SpilledTaken > 0, "the collector should have taken a spilled table while packets were recorded");
        }

        private static Func<int, FlowDirection, int, bool> RecordIpv4(Ipv4ConnectionCache cache)
        {
            return (f, direction, bytes) => cache.Record(direction, (TransportProtocol)(f % 3), Device, 80, Device + 1 + (uint)f, (ushort)(FirstRemotePort + f), bytes);
        }

        private static Func<int, FlowDirection, int, bool> RecordIpv6(Ipv6ConnectionCache cache)
        {
            return (f, direction, bytes) => cache.Record(direction, (TransportProtocol)(f % 3), Device6, 0, 80, Remotes6[f], 0, (ushort)(FirstRemotePort + f), bytes);
        }

        /// <summary>Adds a drained table (null: none) to the totals, clearing it if asked; returns its flows and dropped packets.</summary>
        private static long Read(Ipv4FlowTable table, Totals totals, bool clear)
        {
            if (table == null)
            {
                return -1;
            }

            for (int i = 0; i < table.Count; i++)
            {
                int f = table.RemotePort(i) - FirstRemotePort;
                Assert.Equal(Device, table.LocalAddress(i));
                Assert.Equal(Device + 1 + (uint)f, table.RemoteAddress(i));
                Assert.Equal((ushort)80, table.LocalPort(i));
                Assert.Equal((TransportProtocol)(f % 3), table.Protocol(i));
                totals.Add(f, table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
            }

            return Finish(table, totals, clear);
        }

        private static long Read(Ipv6FlowTable table, Totals totals, bool clear)
        {
            if (table == null)
            {
                return -1;
            }

            var address = new byte[16];
            for (int i = 0; i < table.Count; i++)
            {
                int f = table.RemotePort(i) - FirstRemotePort;
                table.CopyLocalAddress(i, address, 0);
                Assert.Equal(Device6, address);
                table.CopyRemoteAddress(i, address, 0);
                Assert.Equal(Remotes6[f], address);
                Assert.Equal((TransportProtocol)(f % 3), table.Protocol(i));
                totals.Add(f, table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
            }

            return Finish(table, totals, clear);
        }

        private static long Finish(FlowTable table, Totals totals, bool clear)
        {
            Assert.True(table.DroppedFlows <= table.DroppedPackets);
            totals.AddDropped(table.DroppedPackets);
            long read = table.Count + table.DroppedPackets;
            if (clear)
            {
                table.Clear();
            }

            return read;
        }

        private static byte[][] Ipv6Remotes()
        {
            var remotes = new byte[Flows][];
            for (int f = 0; f < Flows; f++)
            {
                remotes[f] = Ipv6ConnectionCacheTests.Ip("2001:db8:ffff::" + (f + 2).ToString("x"));
            }

            return remotes;
        }

        /// <param name="capacity">The cache's capacity.</param>
        /// <param name="spilling">Whether the collector uses the spill path (refusals are then not predictable, except at capacity 0).</param>
        /// <param name="record">Records a packet of flow f; returns what Record returned.</param>
        /// <param name="drain">One collector step: adds what it takes to the totals; returns its flows and dropped packets (negative: took nothing).</param>
        /// <param name="drainAll">Once the recorders are done: adds everything still in the cache to the totals.</param>
        private static void Run(int capacity, bool spilling, Func<int, FlowDirection, int, bool> record, Func<Totals, long> drain, Action<Totals> drainAll = null)
        {
            var expected = new Totals();
            var drained = new Totals();
            long refused = 0;
            int drainsWithData = 0;
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
                        drainsWithData++;
                    }
                }
            });
            collector.Start();

            foreach (Thread recorder in recorders)
            {
                recorder.Join();
            }

            collector.Join();
            if (drainAll != null)
            {
                drainAll(drained);
            }
            else
            {
                drain(drained);
            }

            Assert.True(drainsWithData >= 2, "the collector should have drained while packets were recorded");
            Assert.Equal((long)Recorders * PacketsPerRecorder, expected.TotalHits() + refused);
            Assert.Equal(refused, drained.Dropped);
            if (capacity == 0 || (!spilling && capacity < Flows))
            {
                Assert.True(refused > 0);
            }
            else if (capacity >= Flows)
            {
                Assert.Equal(0, refused);
            }

            if (capacity == 0)
            {
                Assert.Equal((long)Recorders * PacketsPerRecorder, refused);
            }

            for (int f = 0; f < Flows; f++)
            {
                Assert.Equal(expected.BytesIn[f], drained.BytesIn[f]);
                Assert.Equal(expected.BytesOut[f], drained.BytesOut[f]);
                Assert.Equal(expected.Hits[f], drained.Hits[f]);
            }
        }

        /// <summary>
        /// The collector side of the spill-path test: each step takes the spilled table, swaps, or
        /// turns spilling off or on, at random; a table read is released, or now and then left for
        /// the next swap to clear.
        /// </summary>
        private sealed class SpillingCollector
        {
            private readonly ConnectionCache _cache;
            private readonly Action<bool> _spill;
            private readonly Func<Totals, long> _takeSpilled;
            private readonly Func<Totals, long> _swap;
            private readonly Random _random = new Random(7);
            private bool _spilling = true;

            public SpillingCollector(ConnectionCache cache, Action<bool> spill, Func<Totals, long> takeSpilled, Func<Totals, long> swap)
            {
                _cache = cache;
                _spill = spill;
                _takeSpilled = takeSpilled;
                _swap = swap;
            }

            public int SpilledTaken { get; private set; }

            public long Step(Totals totals)
            {
                int choice = _random.Next(16);
                if (choice == 0)
                {
                    _spilling = !_spilling;
                    _spill(_spilling);
                    return -1;
                }

                long read;
                if (choice < 4)
                {
                    read = _swap(totals);
                }
                else
                {
                    read = _takeSpilled(totals);
                    if (read >= 0)
                    {
                        SpilledTaken++;
                    }
                }

                if (read >= 0 && _random.Next(4) != 0)
                {
                    _cache.Release();
                }

                return read;
            }

            /// <summary>What a last collection does: the spilled table if any, then the recording one.</summary>
            public void Finish(Totals totals)
            {
                if (_takeSpilled(totals) >= 0)
                {
                    _cache.Release();
                }

                Assert.True(_swap(totals) >= 0);
                _cache.Release();

                // Nothing is left: a further swap brings an empty table.
                Assert.Equal(0, _swap(totals));
                _cache.Release();
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
