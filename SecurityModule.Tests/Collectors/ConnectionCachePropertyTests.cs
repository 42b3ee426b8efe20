using System.Buffers.Binary;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Collectors
{
    /// <summary>
    /// Random packet and collection sequences against a dictionary model of the documented
    /// semantics: filters, merge by 5-tuple, insertion order, refusal when full, drop counts.
    /// </summary>
    public class ConnectionCachePropertyTests
    {
        // Capacity (small, to hit the full cache often), refused-flow budget (small, to pass it
        // often), filter flags, and one int per operation.
        private static readonly Gen<(int, int, int, int[])> Scenarios =
            Gen.Select(Gen.Int[0, 6], Gen.Int[0, 4], Gen.Int[0, 15], Gen.Int.Array[0, 300]);

        private static readonly uint[] Ipv4Locals = { 0xC0A80102, 0xC0A80103, 0xE0000001, 0xFFFFFFFF };
        private static readonly uint[] Ipv4Remotes = { 0x08080808, 0xEF010101 };

        // Pairs that differ only in the first or only in the last word, and a multicast address.
        private static readonly byte[][] Ipv6Locals =
        {
            Ipv6ConnectionCacheTests.Ip("2001:db8::2"),
            Ipv6ConnectionCacheTests.Ip("3001:db8::2"),
            Ipv6ConnectionCacheTests.Ip("ff02::1"),
            Ipv6ConnectionCacheTests.Ip("2001:db8::3"),
        };

        private static readonly byte[][] Ipv6Remotes =
        {
            Ipv6ConnectionCacheTests.Ip("fe80::1"),
            Ipv6ConnectionCacheTests.Ip("ff02::fb"),
        };

        [Fact]
        public void Ipv4CacheMatchesModel()
        {
            Scenarios.Sample((capacity, budget, filterBits, operations) =>
            {
                FlowFilter filter = MakeFilter(filterBits);
                var cache = new Ipv4ConnectionCache(capacity, budget, filter);
                var model = new FlowModel<(uint Local, uint Remote, ushort LocalPort, ushort RemotePort, TransportProtocol Protocol)>(
                    capacity,
                    budget,
                    k => Ipv4FlowTable.Hash(k.Protocol, k.Local, k.LocalPort, k.Remote, k.RemotePort));

                foreach (int operation in operations)
                {
                    var op = new Operation(operation);
                    if (op.IsSwap)
                    {
                        CompareAndReset(cache.SwapForCollection(), model, op.ClearsAfterSwap);
                        continue;
                    }

                    uint local = Ipv4Locals[op.LocalIndex];
                    uint remote = Ipv4Remotes[op.RemoteIndex];
                    bool ignored = !Accepts(filter, op.Protocol)
                        || (filter.CaptureUnicastOnly && op.Direction == FlowDirection.In && (local >> 24 is >= 224 and <= 239 || local == uint.MaxValue));
                    bool expected = !ignored && model.Record((local, remote, op.LocalPort, op.RemotePort, op.Protocol), op.Direction, op.Bytes);

                    Assert.Equal(expected, cache.Record(op.Direction, op.Protocol, local, op.LocalPort, remote, op.RemotePort, op.Bytes));
                    Assert.Equal(model.Count, cache.Count);
                }

                CompareAndReset(cache.SwapForCollection(), model, true);
            }, iter: 2000);
        }

        [Fact]
        public void Ipv6CacheMatchesModel()
        {
            Scenarios.Sample((capacity, budget, filterBits, operations) =>
            {
                FlowFilter filter = MakeFilter(filterBits);
                var cache = new Ipv6ConnectionCache(capacity, budget, filter);
                var model = new FlowModel<(UInt128 Local, UInt128 Remote, ushort LocalPort, ushort RemotePort, TransportProtocol Protocol)>(
                    capacity,
                    budget,
                    k => Ipv6FlowTable.Hash(
                        k.Protocol,
                        (uint)(k.Local >> 96), (uint)(k.Local >> 64), (uint)(k.Local >> 32), (uint)k.Local, k.LocalPort,
                        (uint)(k.Remote >> 96), (uint)(k.Remote >> 64), (uint)(k.Remote >> 32), (uint)k.Remote, k.RemotePort));

                foreach (int operation in operations)
                {
                    var op = new Operation(operation);
                    if (op.IsSwap)
                    {
                        CompareAndReset(cache.SwapForCollection(), model, op.ClearsAfterSwap);
                        continue;
                    }

                    byte[] local = Ipv6Locals[op.LocalIndex];
                    byte[] remote = Ipv6Remotes[op.RemoteIndex];
                    bool ignored = !Accepts(filter, op.Protocol)
                        || (filter.CaptureUnicastOnly && op.Direction == FlowDirection.In && local[0] == 0xFF);
                    bool expected = !ignored && model.Record(
                        (BinaryPrimitives.ReadUInt128BigEndian(local), BinaryPrimitives.ReadUInt128BigEndian(remote), op.LocalPort, op.RemotePort, op.Protocol),
                        op.Direction,
                        op.Bytes);

                    // Both addresses in one buffer, at offsets the operation picks, among noise.
                    var buffer = new byte[48];
                    Array.Fill(buffer, (byte)0xA5);
                    Array.Copy(local, 0, buffer, op.LocalOffset, 16);
                    Array.Copy(remote, 0, buffer, 24 + op.RemoteOffset, 16);

                    Assert.Equal(expected, cache.Record(op.Direction, op.Protocol, buffer, op.LocalOffset, op.LocalPort, buffer, 24 + op.RemoteOffset, op.RemotePort, op.Bytes));
                    Assert.Equal(model.Count, cache.Count);
                }

                CompareAndReset(cache.SwapForCollection(), model, true);
            }, iter: 2000);
        }

        private static FlowFilter MakeFilter(int bits)
        {
            return new FlowFilter((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0);
        }

        private static bool Accepts(FlowFilter filter, TransportProtocol protocol)
        {
            return (protocol == TransportProtocol.Tcp && !filter.TcpDisabled)
                || (protocol == TransportProtocol.Udp && !filter.UdpDisabled)
                || (protocol == TransportProtocol.Icmp && !filter.IcmpDisabled);
        }

        private static void CompareAndReset(
            Ipv4FlowTable table,
            FlowModel<(uint Local, uint Remote, ushort LocalPort, ushort RemotePort, TransportProtocol Protocol)> model,
            bool clear)
        {
            Assert.Equal(model.Order.Count, table.Count);
            for (int i = 0; i < table.Count; i++)
            {
                var key = model.Order[i];
                Assert.Equal(key, (table.LocalAddress(i), table.RemoteAddress(i), table.LocalPort(i), table.RemotePort(i), table.Protocol(i)));
                AssertFlow(model.Flows[key], table.Direction(i), table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
            }

            AssertDrops(model, table);
            model.Reset();
            if (clear)
            {
                table.Clear();
            }
        }

        private static void CompareAndReset(
            Ipv6FlowTable table,
            FlowModel<(UInt128 Local, UInt128 Remote, ushort LocalPort, ushort RemotePort, TransportProtocol Protocol)> model,
            bool clear)
        {
            var local = new byte[16];
            var remote = new byte[16];
            Assert.Equal(model.Order.Count, table.Count);
            for (int i = 0; i < table.Count; i++)
            {
                var key = model.Order[i];
                table.CopyLocalAddress(i, local, 0);
                table.CopyRemoteAddress(i, remote, 0);
                Assert.Equal(
                    key,
                    (BinaryPrimitives.ReadUInt128BigEndian(local), BinaryPrimitives.ReadUInt128BigEndian(remote), table.LocalPort(i), table.RemotePort(i), table.Protocol(i)));
                AssertFlow(model.Flows[key], table.Direction(i), table.BytesIn(i), table.BytesOut(i), table.HitCount(i));
            }

            AssertDrops(model, table);
            model.Reset();
            if (clear)
            {
                table.Clear();
            }
        }

        private static void AssertFlow(ModelFlow expected, FlowDirection direction, ulong bytesIn, ulong bytesOut, uint hits)
        {
            Assert.Equal(expected.Direction, direction);
            Assert.Equal(expected.BytesIn, bytesIn);
            Assert.Equal(expected.BytesOut, bytesOut);
            Assert.Equal(expected.Hits, hits);
        }

        private static void AssertDrops<TKey>(FlowModel<TKey> model, FlowTable table)
        {
            Assert.Equal(model.DroppedPackets, table.DroppedPackets);

            // Exact up to the budget; past it the rest are told apart by fingerprint, never above the truth.
            Assert.Equal(model.Kept.Count + model.RefusedFingerprints.Count, table.DroppedFlows);
            Assert.Equal(model.BeyondBudget, table.DroppedFlowsIsLowerBound);
            Assert.True(table.DroppedFlows <= model.RefusedKeys.Count);
            if (!model.BeyondBudget)
            {
                Assert.Equal(model.RefusedKeys.Count, table.DroppedFlows);
            }

            Assert.Equal(model.RefusedKeys.Count > 0, table.DroppedFlows > 0);
        }

        /// <summary>One operation decoded from a random int.</summary>
        private readonly struct Operation
        {
            private readonly uint _bits;

            public Operation(int bits)
            {
                _bits = (uint)bits;
            }

            public bool IsSwap => _bits % 20 == 0;

            public bool ClearsAfterSwap => (_bits & 0x100) != 0;

            public FlowDirection Direction => (FlowDirection)((_bits >> 5) & 1);

            // 3 is no protocol at all: the filter must ignore it.
            public TransportProtocol Protocol => (TransportProtocol)((_bits >> 6) & 3);

            public int LocalIndex => (int)((_bits >> 8) & 3);

            public int RemoteIndex => (int)((_bits >> 10) & 1);

            public ushort LocalPort => (ushort)((_bits >> 11) & 1);

            public ushort RemotePort => (ushort)(((_bits >> 12) & 1) * 443);

            public int LocalOffset => (int)((_bits >> 13) & 7);

            public int RemoteOffset => (int)((_bits >> 16) & 7);

            public int Bytes => (int)((_bits >> 19) % 2000);
        }

        private sealed class ModelFlow
        {
            public FlowDirection Direction;
            public ulong BytesIn;
            public ulong BytesOut;
            public uint Hits;
        }

        private sealed class FlowModel<TKey>
        {
            private readonly int _capacity;
            private readonly int _budget;
            private readonly int _buckets;
            private readonly Func<TKey, uint> _hash;

            public FlowModel(int capacity, int budget, Func<TKey, uint> hash)
            {
                _capacity = capacity;
                _budget = budget;
                _buckets = FlowTable.BucketCount(capacity);
                _hash = hash;
            }

            public List<TKey> Order { get; } = new List<TKey>();

            public Dictionary<TKey, ModelFlow> Flows { get; } = new Dictionary<TKey, ModelFlow>();

            public HashSet<TKey> RefusedKeys { get; } = new HashSet<TKey>();

            /// <summary>The first refused flows, up to the budget: counted exactly.</summary>
            public HashSet<TKey> Kept { get; } = new HashSet<TKey>();

            /// <summary>Fingerprint bits of the refused flows past the budget.</summary>
            public HashSet<uint> RefusedFingerprints { get; } = new HashSet<uint>();

            public bool BeyondBudget { get; private set; }

            public long DroppedPackets { get; private set; }

            public int Count => Order.Count;

            public bool Record(TKey key, FlowDirection direction, int bytes)
            {
                if (!Flows.TryGetValue(key, out ModelFlow flow))
                {
                    if (Order.Count == _capacity)
                    {
                        DroppedPackets++;
                        RefusedKeys.Add(key);
                        if (!Kept.Contains(key) && !(Kept.Count < _budget && Kept.Add(key)))
                        {
                            BeyondBudget = true;
                            RefusedFingerprints.Add(FlowTable.FingerprintSlot(_hash(key), _buckets));
                        }
                        return false;
                    }

                    flow = new ModelFlow { Direction = direction };
                    Flows.Add(key, flow);
                    Order.Add(key);
                }

                if (direction == FlowDirection.In)
                {
                    flow.BytesIn += (ulong)bytes;
                }
                else
                {
                    flow.BytesOut += (ulong)bytes;
                }

                flow.Hits++;
                return true;
            }

            public void Reset()
            {
                Order.Clear();
                Flows.Clear();
                RefusedKeys.Clear();
                Kept.Clear();
                RefusedFingerprints.Clear();
                BeyondBudget = false;
                DroppedPackets = 0;
            }
        }
    }
}
