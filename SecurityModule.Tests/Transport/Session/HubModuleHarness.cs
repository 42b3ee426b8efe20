using NanoSecurity.Host;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>
    /// A SecurityModule with its own IoT Hub session over the host's real TLS channel (or a
    /// given one), its collections driven by hand on a fake monotonic clock (the session and
    /// the module's driving thread run on their own threads).
    /// </summary>
    internal sealed class HubModuleHarness : IDisposable
    {
        public HubModuleHarness(string connectionString, int port, TlsChannelOptions channel, AgentConfiguration defaults = null, IRandomSource random = null, IUtcClock utc = null, ISecurityMessageObserver observer = null)
            : this(connectionString, port, new TlsNetworkChannel(channel), new FakeMonotonicClock { ElapsedMilliseconds = 1_000 }, defaults, random, utc, observer)
        {
        }

        public HubModuleHarness(string connectionString, int port, INetworkChannel channel, FakeMonotonicClock clock, AgentConfiguration defaults = null, IRandomSource random = null, IUtcClock utc = null, ISecurityMessageObserver observer = null)
        {
            Clock = clock;
            Utc = new FakeUtcClock(Clock);
            Utc.Set(DateTime.UtcNow);
            Random = random ?? new SeededRandomSource { NextOverride = 0 };
            Channel = channel;
            Module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = Clock,
                UtcClock = utc ?? Utc,
                Random = Random,
                ConnectionString = connectionString,
                Channel = Channel,
                Port = port,
                MessageObserver = observer,
            });
            Module.Twin.UseDefaults(defaults ?? TestConfigurations.EveryCollection());
        }

        public FakeMonotonicClock Clock { get; }

        public FakeUtcClock Utc { get; }

        public IRandomSource Random { get; }

        public INetworkChannel Channel { get; }

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

        /// <summary>
        /// Until <paramref name="done"/>, moves the fake clock on a second at a time and wakes the
        /// module's driving thread (which ticks and wakes the session), as a device's clock would.
        /// </summary>
        public void TickUntil(Func<bool> done, TimeSpan timeout)
        {
            byte[] emptyPatch = "{}"u8.ToArray();
            DateTime end = DateTime.UtcNow + timeout;
            while (!done() && DateTime.UtcNow < end)
            {
                Clock.Advance(1_000);
                Module.ApplyTwin(emptyPatch, 0, emptyPatch.Length, false);
                Session.Wake();
                Thread.Sleep(5);
            }
        }

        /// <summary>Records one outbound TCP flow with a distinct remote port.</summary>
        public void RecordFlow(int n, int bytes = 100)
        {
            Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x7F000001, 40000, 0x0A000001, (ushort)(1 + n), bytes);
        }

        public void Dispose()
        {
            Module.Stop();
            (Channel as IDisposable)?.Dispose();
        }
    }
}
