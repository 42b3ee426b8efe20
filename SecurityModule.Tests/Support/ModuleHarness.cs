namespace NanoSecurity.Tests
{
    /// <summary>A SecurityModule wired to fake clocks, seeded randomness and a capturing sink, driven by hand.</summary>
    internal sealed class ModuleHarness
    {
        public static readonly DateTime Epoch = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

        public ModuleHarness(
            bool utcValid = true,
            ISystemInformationSource systemInformation = null,
            IListeningPortsSource listeningPorts = null,
            ISecurityMessageObserver observer = null,
            AgentConfiguration configuration = null,
            IDetectionObserver detectionObserver = null)
        {
            Clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            Utc = new FakeUtcClock(Clock);
            if (utcValid)
            {
                Utc.Set(Epoch);
            }

            Random = new SeededRandomSource { NextOverride = 0 };
            Sink = new CapturingSink();
            Module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = Clock,
                UtcClock = Utc,
                Random = Random,
                MessageSink = Sink,
                DeviceId = "test-device",
                SystemInformation = systemInformation,
                ListeningPorts = listeningPorts,
                MessageObserver = observer,
                DetectionObserver = detectionObserver,
            });
            Module.Twin.UseDefaults(configuration ?? TestConfigurations.EveryCollection());
        }

        public FakeMonotonicClock Clock { get; }

        public FakeUtcClock Utc { get; }

        public SeededRandomSource Random { get; }

        public CapturingSink Sink { get; }

        public SecurityModule Module { get; }

        public CollectionEngine Engine => Module.Engine;

        /// <summary>Starts the engine (not the timer: tests tick by hand).</summary>
        public void StartEngine(bool linkUp = true)
        {
            Engine.Start();
            Engine.SetLinkState(linkUp);
        }

        /// <summary>Moves time to the first collection and runs it.</summary>
        public void RunFirstCollection()
        {
            Clock.ElapsedMilliseconds = Engine.NextDue(CollectorPriority.High);
            Engine.Tick();
        }

        /// <summary>Moves time forward by whole seconds, ticking every second like the ThreadX 1 s event.</summary>
        public void RunSeconds(int seconds)
        {
            for (int i = 0; i < seconds; i++)
            {
                Clock.Advance(1000);
                Engine.Tick();
            }
        }
    }
}
