using BenchmarkDotNet.Attributes;
using NanoSecurity.Tests;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// A network collection of full 64 + 64 flow caches, written as JSON security messages, on a real
    /// module (default asc_port.config) driven by a fake clock, with a sink that drops the messages.
    /// </summary>
    /// <remarks>
    /// A collection drains the caches, so every invocation first records the 128 flows again (one packet
    /// each). <see cref="RecordOnly"/> does that recording and the swap and clear a collection does,
    /// without serializing: the difference between the two is the serialization. One collection in six
    /// also carries the low priority group (an empty heartbeat event), as on the device.
    /// </remarks>
    [MemoryDiagnoser]
    public class CollectionBenchmarks
    {
        private const int Flows = 64;
        private const int AddressSize = 16;
        private const uint Device = 0xC0A80114;

        private readonly byte[] _device6 = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
        private readonly byte[] _remotes6 = new byte[Flows * AddressSize];
        private SecurityModule _module;
        private FakeMonotonicClock _clock;
        private NullSink _sink;
        private long _collections;

        [GlobalSetup]
        public void Setup()
        {
            _module = ModuleFactory.Create(out _clock, out _sink);
            for (int i = 0; i < Flows; i++)
            {
                int at = i * AddressSize;
                _remotes6[at] = 0x20;
                _remotes6[at + 1] = 0x01;
                _remotes6[at + 2] = 0x0d;
                _remotes6[at + 3] = 0xb8;
                _remotes6[at + 4] = 0x01;
                _remotes6[at + 14] = (byte)(i >> 4);
                _remotes6[at + 15] = (byte)i;
            }

            _module.Engine.Start();
            _module.Engine.SetLinkState(true);
            _clock.ElapsedMilliseconds = _module.Engine.NextDue(CollectorPriority.High);
            _module.Engine.Tick();
            if (_module.State != SecurityModuleState.Active)
            {
                throw new InvalidOperationException("module not active: " + _module.State);
            }

            _sink.Messages = 0;
            _sink.Bytes = 0;
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            if (_collections > 0)
            {
                Console.WriteLine($"// {_sink.Messages / (double)_collections:0.00} messages and {_sink.Bytes / (double)_collections:0} bytes per collection of 64 + 64 flows");
            }
        }

        /// <summary>Records 64 IPv4 + 64 IPv6 flows, then runs the collection that writes them into messages.</summary>
        [Benchmark]
        public long CollectFull64x64()
        {
            Fill();
            _clock.ElapsedMilliseconds = _module.Engine.NextDue(CollectorPriority.High);
            _collections++;
            return _module.Engine.Tick();
        }

        /// <summary>The same recording, and the swap and clear of the caches, without serialization.</summary>
        [Benchmark(Baseline = true)]
        public int RecordOnly()
        {
            Fill();
            _module.Ipv4Connections.SwapForCollection().Clear();
            _module.Ipv6Connections.SwapForCollection().Clear();
            return Flows;
        }

        private void Fill()
        {
            Ipv4ConnectionCache v4 = _module.Ipv4Connections;
            Ipv6ConnectionCache v6 = _module.Ipv6Connections;
            for (int i = 0; i < Flows; i++)
            {
                // Realistic counters: multi-digit byte and packet totals.
                v4.Record(FlowDirection.Out, (TransportProtocol)(i % 3), Device, (ushort)(49152 + i), 0xCB007100 + (uint)i, 443, 1_234_567 + i);
                v6.Record(FlowDirection.In, (TransportProtocol)(i % 3), _device6, 0, (ushort)(49152 + i), _remotes6, i * AddressSize, 8883, 7_654_321 + i);
            }
        }
    }
}
