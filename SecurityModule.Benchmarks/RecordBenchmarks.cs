using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NanoSecurity.Tests;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// <see cref="Ipv4ConnectionCache.Record"/> per packet, on the cache of a real module built with
    /// the default asc_port.config (64 flows). Every invocation records 64 packets, one for each flow
    /// of a 64-flow working set, so the figures are per packet. Each case has a baseline beside it:
    /// the same packets into a bare <see cref="Ipv4FlowTable"/>, without the cache's filters, lock
    /// and table switch, which is what the C module's collector does (it runs under the IP stack's
    /// own lock). The Ratio column is the cache over that baseline, measured in the same run.
    /// </summary>
    [MemoryDiagnoser]
    [GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
    [CategoriesColumn]
    public class Ipv4RecordBenchmarks
    {
        private const int Flows = 64;
        private const uint Device = 0xC0A80114;

        private readonly uint[] _known = new uint[Flows];
        private readonly uint[] _unknown = new uint[Flows];
        private readonly ushort[] _ports = new ushort[Flows];
        private Ipv4ConnectionCache _cache;
        private Ipv4FlowTable _table;

        /// <summary>The module's IPv4 cache holds the 64 known flows: a full cache (capacity 64).</summary>
        [GlobalSetup(Targets = new[] { nameof(Hit), nameof(FullCacheRefusesNewFlow) })]
        public void SetupFull()
        {
            Setup();
            RecordAll(_known);
            if (_cache.Count != Flows || _cache.Capacity != Flows)
            {
                throw new InvalidOperationException("expected a full 64-flow cache, got " + _cache.Count + "/" + _cache.Capacity);
            }
        }

        /// <summary>Starts from an empty table.</summary>
        [GlobalSetup(Target = nameof(InsertNewFlow))]
        public void SetupEmpty() => Setup();

        /// <summary>A bare table of the same capacity holds the 64 known flows.</summary>
        [GlobalSetup(Targets = new[] { nameof(BareTableHit), nameof(BareTableRefusesNewFlow) })]
        public void SetupFullTable()
        {
            Setup();
            if (RecordAllBare(_known) != Flows || !_table.IsFull)
            {
                throw new InvalidOperationException("expected a full 64-flow table");
            }
        }

        /// <summary>A bare empty table.</summary>
        [GlobalSetup(Target = nameof(BareTableInsertNewFlow))]
        public void SetupEmptyTable() => Setup();

        /// <summary>A packet of a known flow: lookup and count (the cache is full; known flows keep counting).</summary>
        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("hit")]
        public int Hit() => RecordAll(_known);

        /// <summary>Baseline of <see cref="Hit"/>: the bare table.</summary>
        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("hit")]
        public int BareTableHit() => RecordAllBare(_known);

        /// <summary>
        /// A packet that starts a new flow. Each invocation first swaps the cache and clears the table it
        /// gets back (what a collection does), then inserts 64 new flows into the empty table: so a
        /// packet carries 1/64 of a swap and a clear of a full table.
        /// </summary>
        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("insert")]
        public int InsertNewFlow()
        {
            _cache.SwapForCollection().Clear();
            return RecordAll(_known);
        }

        /// <summary>Baseline of <see cref="InsertNewFlow"/>: clears the bare table, then inserts the 64 flows.</summary>
        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("insert")]
        public int BareTableInsertNewFlow()
        {
            _table.Clear();
            return RecordAllBare(_known);
        }

        /// <summary>A packet of a new flow while the cache is full: refused and counted as dropped.</summary>
        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("refused")]
        public int FullCacheRefusesNewFlow() => RecordAll(_unknown);

        /// <summary>Baseline of <see cref="FullCacheRefusesNewFlow"/>: the bare full table.</summary>
        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("refused")]
        public int BareTableRefusesNewFlow() => RecordAllBare(_unknown);

        private void Setup()
        {
            _cache = ModuleFactory.Create().Ipv4Connections;
            _table = new Ipv4FlowTable(Flows);
            for (int i = 0; i < Flows; i++)
            {
                _known[i] = 0xCB007100 + (uint)i;      // 203.0.113.i
                _unknown[i] = 0xC6336400 + (uint)i;    // 198.51.100.i
                _ports[i] = (ushort)(49152 + i);
            }
        }

        private int RecordAll(uint[] remotes)
        {
            int counted = 0;
            for (int i = 0; i < remotes.Length; i++)
            {
                if (_cache.Record((FlowDirection)(i & 1), TransportProtocol.Tcp, Device, _ports[i], remotes[i], 443, 100 + i))
                {
                    counted++;
                }
            }

            return counted;
        }

        private int RecordAllBare(uint[] remotes)
        {
            int counted = 0;
            for (int i = 0; i < remotes.Length; i++)
            {
                if (_table.Record((FlowDirection)(i & 1), TransportProtocol.Tcp, Device, _ports[i], remotes[i], 443, 100 + i))
                {
                    counted++;
                }
            }

            return counted;
        }
    }

    /// <summary>The same as <see cref="Ipv4RecordBenchmarks"/> for <see cref="Ipv6ConnectionCache.Record"/>.</summary>
    [MemoryDiagnoser]
    [GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
    [CategoriesColumn]
    public class Ipv6RecordBenchmarks
    {
        private const int Flows = 64;
        private const int AddressSize = 16;

        // The device's address, and the peers' addresses back to back (the hook passes an array and an offset).
        private readonly byte[] _device = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
        private readonly byte[] _known = new byte[Flows * AddressSize];
        private readonly byte[] _unknown = new byte[Flows * AddressSize];
        private readonly ushort[] _ports = new ushort[Flows];
        private Ipv6ConnectionCache _cache;
        private Ipv6FlowTable _table;

        [GlobalSetup(Targets = new[] { nameof(Hit), nameof(FullCacheRefusesNewFlow) })]
        public void SetupFull()
        {
            Setup();
            RecordAll(_known);
            if (_cache.Count != Flows || _cache.Capacity != Flows)
            {
                throw new InvalidOperationException("expected a full 64-flow cache, got " + _cache.Count + "/" + _cache.Capacity);
            }
        }

        [GlobalSetup(Target = nameof(InsertNewFlow))]
        public void SetupEmpty() => Setup();

        [GlobalSetup(Targets = new[] { nameof(BareTableHit), nameof(BareTableRefusesNewFlow) })]
        public void SetupFullTable()
        {
            Setup();
            if (RecordAllBare(_known) != Flows || !_table.IsFull)
            {
                throw new InvalidOperationException("expected a full 64-flow table");
            }
        }

        [GlobalSetup(Target = nameof(BareTableInsertNewFlow))]
        public void SetupEmptyTable() => Setup();

        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("hit")]
        public int Hit() => RecordAll(_known);

        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("hit")]
        public int BareTableHit() => RecordAllBare(_known);

        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("insert")]
        public int InsertNewFlow()
        {
            _cache.SwapForCollection().Clear();
            return RecordAll(_known);
        }

        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("insert")]
        public int BareTableInsertNewFlow()
        {
            _table.Clear();
            return RecordAllBare(_known);
        }

        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("refused")]
        public int FullCacheRefusesNewFlow() => RecordAll(_unknown);

        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("refused")]
        public int BareTableRefusesNewFlow() => RecordAllBare(_unknown);

        private void Setup()
        {
            _cache = ModuleFactory.Create().Ipv6Connections;
            _table = new Ipv6FlowTable(Flows);
            for (int i = 0; i < Flows; i++)
            {
                // 2001:db8:100::i and 2001:db8:bad::i
                byte[][] blocks = { _known, _unknown };
                for (int b = 0; b < 2; b++)
                {
                    int at = i * AddressSize;
                    blocks[b][at] = 0x20;
                    blocks[b][at + 1] = 0x01;
                    blocks[b][at + 2] = 0x0d;
                    blocks[b][at + 3] = 0xb8;
                    blocks[b][at + 4] = b == 0 ? (byte)0x01 : (byte)0x0b;
                    blocks[b][at + 5] = b == 0 ? (byte)0x00 : (byte)0xad;
                    blocks[b][at + 15] = (byte)i;
                }

                _ports[i] = (ushort)(49152 + i);
            }
        }

        private int RecordAll(byte[] remotes)
        {
            int counted = 0;
            for (int i = 0; i < Flows; i++)
            {
                if (_cache.Record((FlowDirection)(i & 1), TransportProtocol.Tcp, _device, 0, _ports[i], remotes, i * AddressSize, 443, 100 + i))
                {
                    counted++;
                }
            }

            return counted;
        }

        private int RecordAllBare(byte[] remotes)
        {
            int counted = 0;
            for (int i = 0; i < Flows; i++)
            {
                if (_table.Record((FlowDirection)(i & 1), TransportProtocol.Tcp, _device, 0, _ports[i], remotes, i * AddressSize, 443, 100 + i))
                {
                    counted++;
                }
            }

            return counted;
        }
    }

    /// <summary>A module built with the default config, wired to fake clocks and a sink that drops everything.</summary>
    internal static class ModuleFactory
    {
        internal static readonly DateTime Epoch = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

        internal static SecurityModule Create() => Create(out _, out _);

        internal static SecurityModule Create(out FakeMonotonicClock clock, out NullSink sink)
        {
            clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            sink = new NullSink();
            return new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = clock,
                UtcClock = new FakeUtcClock(clock, Epoch),
                Random = new SeededRandomSource(seed: 42) { NextOverride = 0 },
                MessageSink = sink,
                DeviceId = "benchmark-device",
            });
        }
    }

    /// <summary>Accepts every message and only counts it.</summary>
    internal sealed class NullSink : ISecurityMessageSink
    {
        internal long Messages;
        internal long Bytes;

        public bool TryAccept(byte[] body, int length)
        {
            Messages++;
            Bytes += length;
            return true;
        }
    }
}
