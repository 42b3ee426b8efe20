using NanoSecurity.Host;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>
    /// A SecurityModule with its own IoT Hub session over the host's real TLS channel, its
    /// collections driven by hand on a fake monotonic clock (the session runs on its own thread).
    /// </summary>
    internal sealed class HubModuleHarness : IDisposable
    {
        public HubModuleHarness(string connectionString, int port, TlsChannelOptions channel, AgentConfiguration defaults = null)
        {
            Clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            Utc = new FakeUtcClock(Clock);
            Utc.Set(DateTime.UtcNow);
            Random = new SeededRandomSource { NextOverride = 0 };
            Channel = new TlsNetworkChannel(channel);
            Module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = Clock,
                UtcClock = Utc,
                Random = Random,
                ConnectionString = connectionString,
                Channel = Channel,
                Port = port,
            });
            Module.Twin.UseDefaults(defaults ?? TestConfigurations.EveryCollection());
        }

        public FakeMonotonicClock Clock { get; }

        public FakeUtcClock Utc { get; }

        public SeededRandomSource Random { get; }

        public TlsNetworkChannel Channel { get; }

        public SecurityModule Module { get; }

        public IotHubSession Session => Module.Session;

        public CollectionEngine Engine => Module.Engine;

        public void Start() => Module.Start();

        /// <summary>Waits (up to the timeout) until the module reaches the state.</summary>
        public bool WaitForState(SecurityModuleState state, TimeSpan timeout)
        {
            DateTime end = DateTime.UtcNow + timeout;
            while (Module.State != state)
            {
                if (DateTime.UtcNow > end)
                {
                    return false;
                }

                Thread.Sleep(20);
            }

            return true;
        }

        /// <summary>Moves the fake clock to the next high priority collection and runs it.</summary>
        public void Collect()
        {
            Clock.ElapsedMilliseconds = Engine.NextDue(CollectorPriority.High);
            Engine.Tick();
            Session.Wake();
        }

        /// <summary>Records one outbound TCP flow with a distinct remote port.</summary>
        public void RecordFlow(int n, int bytes = 100)
        {
            Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x7F000001, 40000, 0x0A000001, (ushort)(1 + n), bytes);
        }

        public void Dispose()
        {
            Module.Stop();
            Channel.Dispose();
        }
    }
}
