using Xunit;

namespace NanoSecurity.Tests.Core
{
    /// <summary>
    /// Ports that throw (random source, wall clock) against the module's own driving thread: it
    /// counts, keeps collecting, and every message it hands on stays valid.
    /// </summary>
    public sealed class ThrowingPortsTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        [Fact]
        public void TheDrivingThreadSurvivesThrowingPortsAndEveryMessageStaysValid()
        {
            var clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            var utc = new FakeUtcClock(clock);
            utc.Set(ModuleHarness.Epoch);
            var random = new FlakyRandom(everyNth: 3);
            var sink = new CapturingSink();
            var module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = clock,
                UtcClock = new FlakyUtcClock(utc, everyNth: 7),
                Random = random,
                MessageSink = sink,
                DeviceId = "flaky-device",
            });
            module.Twin.UseDefaults(TestConfigurations.EveryCollection());
            module.Start();
            module.SetLinkState(true);

            // Event Ids draw from the random source: every third draw throws, some inside a
            // header, some inside a Heartbeat's empty event, some inside a flow's event.
            DateTime end = DateTime.UtcNow + Patience;
            int step = 0;
            while (sink.Messages.Count < 20 && DateTime.UtcNow < end)
            {
                module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 40000, 0x0A000001, (ushort)(1 + step++), 10);
                clock.Advance(1_000);
                module.SetLinkState(true);
                Thread.Sleep(2);
            }

            module.Stop();
            Assert.True(sink.Messages.Count >= 20, $"collection stopped after {sink.Messages.Count} messages");
            Assert.True(random.Thrown > 0, "the random source never threw");
            Assert.True(module.Faults > 0, "no fault was contained on the driving thread");

            // Reading the messages fails on any that was not valid against Microsoft's schema.
            Assert.All(sink.Messages, m => Assert.NotEmpty(m));
        }

        private sealed class FlakyRandom : IRandomSource
        {
            private readonly Random _random = new Random(3);
            private readonly int _everyNth;
            private int _draws;

            public FlakyRandom(int everyNth) => _everyNth = everyNth;

            public int Thrown { get; private set; }

            public void NextBytes(byte[] buffer)
            {
                if (++_draws % _everyNth == 0)
                {
                    Thrown++;
                    throw new InvalidOperationException("entropy source failed");
                }

                _random.NextBytes(buffer);
            }

            public int Next(int maxExclusive) => 0;
        }

        private sealed class FlakyUtcClock : IUtcClock
        {
            private readonly IUtcClock _clock;
            private readonly int _everyNth;
            private int _reads;

            public FlakyUtcClock(IUtcClock clock, int everyNth)
            {
                _clock = clock;
                _everyNth = everyNth;
            }

            public int UtcOffsetMinutes => 0;

            public bool TryGetUtcNow(out DateTime utcNow)
            {
                if (Interlocked.Increment(ref _reads) % _everyNth == 0)
                {
                    throw new InvalidOperationException("RTC not readable");
                }

                return _clock.TryGetUtcNow(out utcNow);
            }
        }
    }
}
