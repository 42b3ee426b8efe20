using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// <see cref="Ipv4ConnectionCache.Record"/> per packet with 16 deny ranges loaded (none
    /// matching: every range is compared) against the same module with no rules. Only a flow's
    /// first packet is evaluated, so "insert" carries the rules' whole cost and "hit" none.
    /// </summary>
    [MemoryDiagnoser]
    [GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
    [CategoriesColumn]
    public class DetectionRecordBenchmarks
    {
        private const int Flows = 64;
        private const uint Device = 0xC0A80114;

        private readonly uint[] _remotes = new uint[Flows];
        private readonly ushort[] _ports = new ushort[Flows];
        private Ipv4ConnectionCache _noRules;
        private Ipv4ConnectionCache _sixteenRanges;

        [GlobalSetup]
        public void Setup()
        {
            SecurityModule plain = ModuleFactory.Create();
            SecurityModule ruled = ModuleFactory.Create();
            var settings = DetectionSettings.Defaults();
            for (int i = 0; i < 16; i++)
            {
                var range = new CidrRange();
                if (CidrRange.TryParse("198.18." + (i * 16) + ".0/20", range) != null || !settings.DeniedRemoteAddresses.Add(range))
                {
                    throw new InvalidOperationException("range " + i);
                }
            }

            ruled.Detector.Configure(settings);
            _noRules = plain.Ipv4Connections;
            _sixteenRanges = ruled.Ipv4Connections;
            for (int i = 0; i < Flows; i++)
            {
                _remotes[i] = 0xCB007100 + (uint)i;      // 203.0.113.i, in no range
                _ports[i] = (ushort)(49152 + i);
            }

            Record(_noRules);
            Record(_sixteenRanges);
            if (_noRules.Count != Flows || _sixteenRanges.Count != Flows || ruled.Detector.HasPending)
            {
                throw new InvalidOperationException("setup");
            }
        }

        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("insert")]
        public int InsertNoRules()
        {
            _noRules.SwapForCollection().Clear();
            return Record(_noRules);
        }

        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("insert")]
        public int InsertSixteenDenyRanges()
        {
            _sixteenRanges.SwapForCollection().Clear();
            return Record(_sixteenRanges);
        }

        [Benchmark(OperationsPerInvoke = Flows, Baseline = true)]
        [BenchmarkCategory("hit")]
        public int HitNoRules() => Record(_noRules);

        [Benchmark(OperationsPerInvoke = Flows)]
        [BenchmarkCategory("hit")]
        public int HitSixteenDenyRanges() => Record(_sixteenRanges);

        private int Record(Ipv4ConnectionCache cache)
        {
            int counted = 0;
            for (int i = 0; i < Flows; i++)
            {
                if (cache.Record((FlowDirection)(i & 1), TransportProtocol.Tcp, Device, _ports[i], _remotes[i], 443, 100 + i))
                {
                    counted++;
                }
            }

            return counted;
        }
    }
}
