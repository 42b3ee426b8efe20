using System.Runtime.ExceptionServices;
using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    /// <summary>
    /// Flow aggregation's spill path under concurrent recording, with the collector making exactly
    /// the cache calls NetworkActivityCollector.Collect makes, in its order: take the spilled
    /// table, read it, account its drops, release it; then, on a drain, swap, read, account,
    /// release. Every packet must come out exactly once: in a collected flow's counters or in the
    /// cache's exact dropped-packet count.
    /// </summary>
    public class ConnectionCacheSpillConcurrencyTests
    {
        private const int Recorders = 4;
        private const int PacketsPerRecorder = 20_000;
        private const int PacketsPerRound = 250;
        private const int Rounds = PacketsPerRecorder / PacketsPerRound;
        private const int Flows = 200;

        // Half the packets go to a few flows, so that known flows keep counting while the table is full.
        private const int HotFlows = 8;

        // Small, so that an interval refuses more flows than it keeps and the fingerprint path runs too.
        private const int RefusedBudget = 8;

        // The collector drains the recording table at one run in this many (the aggregation
        // interval); at the others it only takes what spilled.
        private const int DrainEvery = 64;

        private const int MinBytes = 40;
        private const int MaxBytes = 1500;
        private const uint Device = 0xC0A80102;
        private const uint FirstRemote = 0x0A000100;
        private const ushort LocalPort = 443;
        private const ushort FirstRemotePort = 30000;

        private static readonly FlowFilter AcceptAll = new FlowFilter(false, false, false, false);
        private static readonly byte[] Device6 = Ipv6Address(0x20010DB8, 0, 0, 1);

        // Every remote address in one array, each at offset 16 * flow, so that Record reads at an offset.
        private static readonly byte[] Remotes6 = Ipv6Remotes();

        [Theory]
        [InlineData(0)] // every packet refused; the empty full table spills at once
        [InlineData(1)]
        [InlineData(16)]
        [InlineData(64)]
        public void Ipv4SpillPathConservesEveryPacket(int capacity)
        {
            var cache = new Ipv4ConnectionCache(capacity, RefusedBudget, AcceptAll);
            cache.SpillWhenFull = true;
            Run(
                capacity,
                cache,
                (f, direction, bytes) => cache.Record(direction, ProtocolOf(f), Device, LocalPortOf(f), FirstRemote + (uint)f, RemotePortOf(f), bytes),
                () => cache.TakeSpilledForCollection(),
                () => cache.SwapForCollection(),
                (table, i) => Ipv4FlowOf((Ipv4FlowTable)table, i));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(16)]
        [InlineData(64)]
        public void Ipv6SpillPathConservesEveryPacket(int capacity)
        {
            var cache = new Ipv6ConnectionCache(capacity, RefusedBudget, AcceptAll);
            cache.SpillWhenFull = true;

            // Only the collector thread reads flows, so one buffer serves every read.
            var address = new byte[16];
            Run(
                capacity,
                cache,
                (f, direction, bytes) => cache.Record(direction, ProtocolOf(f), Device6, 0, LocalPortOf(f), Remotes6, 16 * f, RemotePortOf(f), bytes),
                () => cache.TakeSpilledForCollection(),
                () => cache.SwapForCollection(),
                (table, i) => Ipv6FlowOf((Ipv6FlowTable)table, i, address));
        }

        private static TransportProtocol ProtocolOf(int f) => (TransportProtocol)(f % 3);

        private static ushort LocalPortOf(int f) => ProtocolOf(f) == TransportProtocol.Icmp ? (ushort)0 : LocalPort;

        private static ushort RemotePortOf(int f) => ProtocolOf(f) == TransportProtocol.Icmp ? (ushort)0 : (ushort)(FirstRemotePort + f);

        /// <summary>The flow stored at <paramref name="i"/>, after checking its whole key is that flow's.</summary>
        private static int Ipv4FlowOf(Ipv4FlowTable table, int i)
        {
            int f = (int)(table.RemoteAddress(i) - FirstRemote);
            Assert.InRange(f, 0, Flows - 1);
            Assert.Equal(Device, table.LocalAddress(i));
            CheckEnds(table, i, f);
            return f;
        }

        private static int Ipv6FlowOf(Ipv6FlowTable table, int i, byte[] address)
        {
            table.CopyRemoteAddress(i, address, 0);
            int f = (address[14] << 8) | address[15];
            Assert.InRange(f, 0, Flows - 1);
            Assert.Equal(Remotes6.AsSpan(16 * f, 16).ToArray(), address);
            table.CopyLocalAddress(i, address, 0);
            Assert.Equal(Device6, address);
            CheckEnds(table, i, f);
            return f;
        }

        private static void CheckEnds(FlowTable table, int i, int f)
        {
            Assert.Equal(ProtocolOf(f), table.Protocol(i));
            Assert.Equal(LocalPortOf(f), table.LocalPort(i));
            Assert.Equal(RemotePortOf(f), table.RemotePort(i));
        }

        /// <summary>
        /// Packet <paramref name="n"/> of recorder <paramref name="recorder"/>: a pure function of
        /// the two, so that the stream is the same at every run and can be recomputed to check.
        /// </summary>
        private static void Packet(int recorder, int n, out int flow, out FlowDirection direction, out int bytes)
        {
            uint x = (uint)((recorder * PacketsPerRecorder) + n + 1) * 0x9E3779B1;
            x ^= x >> 15;
            x *= 0x85EBCA6B;
            x ^= x >> 13;
            flow = (int)((x >> 1) % ((x & 1) == 0 ? HotFlows : Flows));
            direction = ((x >> 20) & 1) == 0 ? FlowDirection.In : FlowDirection.Out;
            bytes = MinBytes + (int)((x >> 8) % (MaxBytes - MinBytes + 1));
        }

        /// <param name="capacity">The cache's capacity.</param>
        /// <param name="cache">The cache, spilling when full.</param>
        /// <param name="record">Records a packet of flow f; returns what Record returned.</param>
        /// <param name="takeSpilled">The cache's TakeSpilledForCollection.</param>
        /// <param name="swap">The cache's SwapForCollection.</param>
        /// <param name="flowOf">The flow stored at an index of a collected table, its key checked.</param>
        private static void Run(
            int capacity,
            ConnectionCache cache,
            Func<int, FlowDirection, int, bool> record,
            Func<FlowTable> takeSpilled,
            Func<FlowTable> swap,
            Func<FlowTable, int, int> flowOf)
        {
            // What each recorder saw Record accept, per flow, and refuse; only that recorder writes its row.
            var acceptedHits = new long[Recorders][];
            var acceptedIn = new ulong[Recorders][];
            var acceptedOut = new ulong[Recorders][];
            var refused = new long[Recorders];
            var refusedIn = new ulong[Recorders];
            var refusedOut = new ulong[Recorders];

            // What the collector read; only its thread writes these until it is joined, then the test thread.
            var collectedHits = new long[Flows];
            var collectedIn = new ulong[Flows];
            var collectedOut = new ulong[Flows];
            long tableDroppedPackets = 0;
            long tableDroppedFlows = 0;
            int spilledTaken = 0;

            var failures = new Exception[Recorders + 1];
            int recording = 0;

            // Every round starts all the threads together, so that the collector runs while the
            // recorders record even on a machine with fewer cores than threads.
            using var round = new Barrier(Recorders + 1);

            void Read(FlowTable table)
            {
                Assert.True(table.Count <= capacity, $"capacity {capacity}: a collected table holds {table.Count} flows");
                var seen = new bool[Flows];
                for (int i = 0; i < table.Count; i++)
                {
                    int f = flowOf(table, i);
                    Assert.False(seen[f], $"capacity {capacity}: flow {f} appears twice in one collected table");
                    seen[f] = true;
                    uint hits = table.HitCount(i);
                    ulong bytes = table.BytesIn(i) + table.BytesOut(i);
                    Assert.True(hits > 0, $"capacity {capacity}: flow {f} was collected with no packet");
                    Assert.True(bytes >= (ulong)hits * MinBytes && bytes <= (ulong)hits * MaxBytes, $"capacity {capacity}: flow {f} has {bytes} bytes for {hits} packets");
                    collectedHits[f] += hits;
                    collectedIn[f] += table.BytesIn(i);
                    collectedOut[f] += table.BytesOut(i);
                }

                Assert.True(table.DroppedFlows <= table.DroppedPackets, $"capacity {capacity}: {table.DroppedFlows} dropped flows for {table.DroppedPackets} dropped packets");
                Assert.Equal(table.DroppedPackets > 0, table.DroppedFlows > 0);
                tableDroppedPackets += table.DroppedPackets;
                tableDroppedFlows += table.DroppedFlows;
            }

            // One run of NetworkActivityCollector.Collect for this cache, its calls in its order.
            void Collect(bool drain)
            {
                FlowTable spilled = takeSpilled();
                if (spilled != null)
                {
                    spilledTaken++;
                    Read(spilled);
                    cache.AccountDrops(spilled);
                    cache.Release();
                }

                if (drain)
                {
                    FlowTable drained = swap();
                    Read(drained);
                    cache.AccountDrops(drained);
                    cache.Release();
                }
            }

            var recorders = new Thread[Recorders];
            for (int t = 0; t < Recorders; t++)
            {
                int me = t;
                acceptedHits[me] = new long[Flows];
                acceptedIn[me] = new ulong[Flows];
                acceptedOut[me] = new ulong[Flows];
                recorders[me] = new Thread(() =>
                {
                    for (int r = 0; r < Rounds; r++)
                    {
                        round.SignalAndWait();

                        // A failed thread stops working but keeps meeting the others, so nobody waits forever.
                        if (failures[me] == null)
                        {
                            try
                            {
                                for (int n = r * PacketsPerRound; n < (r + 1) * PacketsPerRound; n++)
                                {
                                    Packet(me, n, out int f, out FlowDirection direction, out int bytes);
                                    ulong bytesIn = direction == FlowDirection.In ? (ulong)bytes : 0;
                                    ulong bytesOut = direction == FlowDirection.Out ? (ulong)bytes : 0;
                                    if (record(f, direction, bytes))
                                    {
                                        acceptedHits[me][f]++;
                                        acceptedIn[me][f] += bytesIn;
                                        acceptedOut[me][f] += bytesOut;
                                    }
                                    else
                                    {
                                        refused[me]++;
                                        refusedIn[me] += bytesIn;
                                        refusedOut[me] += bytesOut;
                                    }
                                }
                            }
                            catch (Exception e)
                            {
                                failures[me] = e;
                            }
                        }

                        Interlocked.Decrement(ref recording);
                    }
                });
                recorders[me].Start();
            }

            var collector = new Thread(() =>
            {
                int run = 0;
                for (int r = 0; r < Rounds; r++)
                {
                    // Set before the round starts, and only counted down after it has.
                    Volatile.Write(ref recording, Recorders);
                    round.SignalAndWait();

                    // At least one run per round, then as many as fit while the recorders record.
                    // No drain before a spilled table was taken: the tables stay as they started
                    // until one fills, so a spill is certain whatever the interleaving.
                    do
                    {
                        if (failures[Recorders] == null)
                        {
                            try
                            {
                                Collect(spilledTaken > 0 && run % DrainEvery == 0);
                            }
                            catch (Exception e)
                            {
                                failures[Recorders] = e;
                            }
                        }

                        run++;
                    }
                    while (Volatile.Read(ref recording) > 0);
                }
            });
            collector.Start();

            foreach (Thread recorder in recorders)
            {
                recorder.Join();
            }

            collector.Join();
            foreach (Exception failure in failures)
            {
                if (failure != null)
                {
                    ExceptionDispatchInfo.Capture(failure).Throw();
                }
            }

            // The last collection once the recorders are done; then nothing may be left.
            Collect(true);
            Assert.Null(takeSpilled());
            FlowTable empty = swap();
            Assert.Equal(0, empty.Count);
            Assert.Equal(0, empty.DroppedPackets);
            cache.AccountDrops(empty);
            cache.Release();
            Assert.Equal(0, cache.Count);

            Assert.True(spilledTaken > 0, $"capacity {capacity}: no spilled table was taken");

            const long total = (long)Recorders * PacketsPerRecorder;
            long collected = 0;
            foreach (long hits in collectedHits)
            {
                collected += hits;
            }

            long dropped = cache.DroppedPackets;
            Assert.True(
                collected + dropped == total,
                $"capacity {capacity}: {total} packets recorded, {collected} collected in flows and {dropped} counted as dropped: {total - collected - dropped} lost (negative: counted twice)");

            long refusedTotal = 0;
            ulong refusedInTotal = 0;
            ulong refusedOutTotal = 0;
            for (int t = 0; t < Recorders; t++)
            {
                refusedTotal += refused[t];
                refusedInTotal += refusedIn[t];
                refusedOutTotal += refusedOut[t];
            }

            Assert.True(dropped == refusedTotal, $"capacity {capacity}: Record refused {refusedTotal} packets, the cache counts {dropped} dropped");
            Assert.True(dropped == tableDroppedPackets, $"capacity {capacity}: the collected tables dropped {tableDroppedPackets} packets, the cache accounted {dropped}");
            Assert.True(cache.DroppedFlows == tableDroppedFlows, $"capacity {capacity}: the collected tables dropped {tableDroppedFlows} flows, the cache accounted {cache.DroppedFlows}");
            if (capacity == 0)
            {
                Assert.Equal(total, dropped);
            }

            for (int f = 0; f < Flows; f++)
            {
                long hits = 0;
                ulong bytesIn = 0;
                ulong bytesOut = 0;
                for (int t = 0; t < Recorders; t++)
                {
                    hits += acceptedHits[t][f];
                    bytesIn += acceptedIn[t][f];
                    bytesOut += acceptedOut[t][f];
                }

                Assert.True(collectedHits[f] == hits, $"capacity {capacity}: flow {f} had {hits} packets accepted, {collectedHits[f]} collected");
                Assert.True(collectedIn[f] == bytesIn, $"capacity {capacity}: flow {f} had {bytesIn} bytes in accepted, {collectedIn[f]} collected");
                Assert.True(collectedOut[f] == bytesOut, $"capacity {capacity}: flow {f} had {bytesOut} bytes out accepted, {collectedOut[f]} collected");
            }

            // Bytes against the stream itself, recomputed here rather than taken from the recorders.
            ulong streamIn = 0;
            ulong streamOut = 0;
            for (int t = 0; t < Recorders; t++)
            {
                for (int n = 0; n < PacketsPerRecorder; n++)
                {
                    Packet(t, n, out _, out FlowDirection direction, out int bytes);
                    if (direction == FlowDirection.In)
                    {
                        streamIn += (ulong)bytes;
                    }
                    else
                    {
                        streamOut += (ulong)bytes;
                    }
                }
            }

            ulong collectedInTotal = 0;
            ulong collectedOutTotal = 0;
            for (int f = 0; f < Flows; f++)
            {
                collectedInTotal += collectedIn[f];
                collectedOutTotal += collectedOut[f];
            }

            Assert.True(collectedInTotal + refusedInTotal == streamIn, $"capacity {capacity}: {streamIn} bytes in recorded, {collectedInTotal} collected and {refusedInTotal} refused");
            Assert.True(collectedOutTotal + refusedOutTotal == streamOut, $"capacity {capacity}: {streamOut} bytes out recorded, {collectedOutTotal} collected and {refusedOutTotal} refused");
        }

        private static byte[] Ipv6Address(uint word0, uint word1, uint word2, uint word3)
        {
            var address = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(address.AsSpan(0), word0);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(address.AsSpan(4), word1);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(address.AsSpan(8), word2);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(address.AsSpan(12), word3);
            return address;
        }

        private static byte[] Ipv6Remotes()
        {
            var remotes = new byte[16 * Flows];
            for (int f = 0; f < Flows; f++)
            {
                Ipv6Address(0x20010DB8, 0xFFFF, 0, (uint)f).CopyTo(remotes, 16 * f);
            }

            return remotes;
        }
    }
}
