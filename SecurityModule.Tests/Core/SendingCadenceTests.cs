using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// The twin's sending cadence: one open message that goes out when it is full or when the
    /// frequency of its most urgent event has passed since that event was queued; Off event
    /// types; snapshots once per snapshotFrequency; the heartbeat only while nothing is queued;
    /// configuration changes at run time. The engine is ticked exactly when it asks to be.
    /// </summary>
    public class SendingCadenceTests
    {
        private const long Second = 1000;
        private const long Minute = 60 * Second;
        private const long Hour = 60 * Minute;

        // 192.168.1.20, the device.
        private const uint Local = 0xC0A80114;

        /// <summary>Microsoft's defaults with these frequencies (seconds) and flow priority, flows drained at every high priority collection.</summary>
        private static AgentConfiguration Unaggregated(EventPriority connectionCreate, long high, long low)
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.EventPriorityConnectionCreate = connectionCreate;
            configuration.HighPriorityMessageFrequency = high;
            configuration.LowPriorityMessageFrequency = low;
            configuration.AggregationEnabledConnectionCreate = false;
            return configuration;
        }

        /// <summary>The twin defaults, the second half of the issue's sentence: with no twin at all, a few messages a day.</summary>
        [Fact]
        public void WithTheTwinDefaultsADayOfSteadyTrafficIsAFewValidMessages()
        {
            AgentConfiguration defaults = AgentConfiguration.Defaults();
            Assert.Equal(420, defaults.HighPriorityMessageFrequency);
            Assert.Equal(18000, defaults.LowPriorityMessageFrequency);
            Assert.Equal(46800, defaults.SnapshotFrequency);
            Assert.True(defaults.AggregationEnabledConnectionCreate);
            Assert.Equal(3600, defaults.AggregationIntervalConnectionCreate);

            var rig = new CadenceRig(defaults, new FixedSystemInformation(), new FixedListeningPorts());
            long c = rig.FirstCollection;
            long end = rig.Now + 24 * Hour;

            // Three long-lived flows: MQTT keep-alive to the hub every 30 s, HTTPS polling
            // every 5 min, NTP every 15 min. Expected totals per flow, per aggregation window.
            var traffic = new SteadyTraffic();
            rig.Every(30 * Second, end, t => traffic.Send(rig.H.Module, t));
            rig.H.Engine.Stop();

            IReadOnlyList<SentMessage> sent = rig.Sent;
            int bound = 24 * 60 / 7 + 2;
            Assert.True(sent.Count > 0, "nothing was sent in a day");
            Assert.True(sent.Count <= bound, $"{sent.Count} messages in a day, more than one per highPriorityMessageFrequency ({bound})");

            // What ThreadX's cadence would have sent is one message per 10 s collection: 8,640.
            // The twin defaults send a handful: snapshots at 0 and 13 h pull a message within
            // 7 min, flows and heartbeats wait up to 5 h or until a message is full.
            Assert.True(sent.Count <= 12, $"{sent.Count} messages: " + string.Join(", ", sent.Select(m => (m.At - c) / Second + "s/" + m.Length + "B")));

            foreach (SentMessage m in sent)
            {
                Assert.True(m.Length <= AscPortConfig.MaxMessageSize, $"message of {m.Length} bytes");
                Assert.True(m.Heartbeats <= 1, $"{m.Heartbeats} heartbeats in the message sent at {m.At}");
            }

            // Every event went out within its priority's frequency of being queued, and a message
            // that was not full went out exactly when its most urgent event's frequency passed.
            CadenceRig.AssertSentOnTime(sent.Take(sent.Count - 1), defaults);
            CadenceRig.AssertSentWithinFrequency(sent, defaults);

            // Snapshots at the first collection and 13 h later (the medium and low groups both
            // run at C + 46,800 s); nothing more in 24 h.
            long[] expectedSnapshots = { c, c + 46800 * Second };
            Assert.Equal(expectedSnapshots, rig.EventsNamed("SystemInformation").Where(e => !e.IsEmpty).Select(e => e.QueuedAt));
            Assert.Equal(expectedSnapshots, rig.EventsNamed("ListeningPorts").Select(e => e.QueuedAt));

            // Aggregation: each flow is drained once per hour (C, C+1 h, … C+23 h), one payload
            // item per drain, with exactly the bytes and packets recorded in that hour.
            var drains = Enumerable.Range(0, 24).Select(k => c + k * Hour).ToArray();
            Assert.True(drains[^1] <= end && drains[^1] + Hour > end);
            FlowItem[] items = rig.FlowItems();
            foreach (SteadyTraffic.Flow flow in traffic.Flows)
            {
                FlowItem[] mine = items.Where(i => i.RemoteAddress == flow.RemoteText && i.RemotePort == flow.RemotePort).ToArray();
                Assert.Equal(drains.Where((d, k) => flow.Packets(k == 0 ? long.MinValue : drains[k - 1], d).Hits > 0), mine.Select(i => i.QueuedAt));
                long previous = long.MinValue;
                foreach (FlowItem item in mine)
                {
                    var expected = flow.Packets(previous, item.QueuedAt);
                    Assert.Equal(expected, (item.BytesIn, item.BytesOut, item.Hits));
                    previous = item.QueuedAt;
                }
            }

            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void WithoutAnyTwinTheModuleRunsOnMicrosoftsDefaults()
        {
            var clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            var module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = clock,
                UtcClock = new FakeUtcClock(clock, ModuleHarness.Epoch),
                Random = new SeededRandomSource(),
                MessageSink = new CapturingSink(),
                DeviceId = "no-twin",
            });

            var inForce = new AgentConfiguration();
            module.Engine.CopyConfiguration(inForce);
            Assert.True(inForce.SameAs(AgentConfiguration.Defaults()));
            Assert.Equal(7 * 60, inForce.HighPriorityMessageFrequency);
            Assert.Equal(5 * 3600, inForce.LowPriorityMessageFrequency);
            Assert.Equal(13 * 3600, inForce.SnapshotFrequency);

            // A twin whose desired properties have no configuration object changes nothing.
            byte[] twin = Encoding.UTF8.GetBytes("{\"desired\":{\"$version\":3},\"reported\":{\"$version\":1}}");
            module.ApplyTwin(twin, 0, twin.Length, true);
            module.Engine.CopyConfiguration(inForce);
            Assert.True(inForce.SameAs(AgentConfiguration.Defaults()));
        }

        [Fact]
        public void AHighEventIsNotSentBeforeHighPriorityMessageFrequencyAndIsSentAtIt()
        {
            AgentConfiguration configuration = Unaggregated(EventPriority.High, high: 45, low: 3600);
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;

            // The first collection queued a heartbeat (Low): due an hour later.
            rig.RunUntil(c);
            Assert.Empty(rig.Sent);
            Assert.Equal(c + Hour, rig.H.Engine.SendDue);

            // A flow recorded at C+5 s is queued by the high priority collection at C+10 s.
            rig.RunUntil(c + 5 * Second);
            Record(rig, 1, 700);
            rig.RunUntil(c + 10 * Second);
            Assert.Equal(c + 55 * Second, rig.H.Engine.SendDue);

            // A second High event queued later (C+30 s) does not postpone the message.
            rig.RunUntil(c + 25 * Second);
            Record(rig, 2, 300);
            rig.RunUntil(c + 55 * Second - 1);
            Assert.Empty(rig.Sent);
            Assert.Equal(c + 55 * Second, rig.H.Engine.SendDue);

            // The engine asks for a tick at exactly C+55 s, off the 10 s grid of its groups.
            rig.RunUntil(c + 55 * Second);
            Assert.Contains(c + 55 * Second, rig.Ticks);
            SentMessage m = Assert.Single(rig.Sent);
            Assert.Equal(c + 55 * Second, m.At);
            Assert.Equal(new[] { "ConnectionCreate", "ConnectionCreate", "SystemInformation" }, m.Events.Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(new[] { c + 10 * Second, c + 30 * Second }, m.Events.Where(e => e.Name == "ConnectionCreate").Select(e => e.QueuedAt));
            Assert.Equal(long.MaxValue, rig.H.Engine.SendDue);

            // The next High event starts its own 45 s.
            rig.RunUntil(c + 61 * Second);
            Record(rig, 3, 100);
            rig.RunUntil(c + 70 * Second + 45 * Second - 1);
            Assert.Single(rig.Sent);
            rig.RunUntil(c + 115 * Second);
            Assert.Equal(2, rig.Sent.Count);
            Assert.Equal(c + 115 * Second, rig.Sent[1].At);
            CadenceRig.AssertSentOnTime(rig.Sent, configuration);
        }

        [Fact]
        public void ALowOnlyMessageWaitsForTheLowPriorityFrequency()
        {
            AgentConfiguration configuration = Unaggregated(EventPriority.Low, high: 60, low: 600);
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;

            rig.RunUntil(c + 5 * Second);
            Record(rig, 1, 400);
            rig.RunUntil(c + 600 * Second - 1);
            Assert.Empty(rig.Sent);

            rig.RunUntil(c + 600 * Second);
            SentMessage m = Assert.Single(rig.Sent);
            Assert.Equal(c + 600 * Second, m.At);
            Assert.Equal(new[] { ("SystemInformation", c), ("ConnectionCreate", c + 10 * Second) }, m.Events.Select(e => (e.Name, e.QueuedAt)));
            Assert.True(m.Events[0].IsEmpty);
            CadenceRig.AssertSentOnTime(rig.Sent, configuration);
        }

        [Fact]
        public void AHighEventArrivingLaterPullsTheWholeMessageEarlier()
        {
            AgentConfiguration configuration = Unaggregated(EventPriority.High, high: 60, low: 600);
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;

            // Only the heartbeat (Low) is queued: due at C+600 s.
            rig.RunUntil(c + 295 * Second);
            Assert.Equal(c + 600 * Second, rig.H.Engine.SendDue);
            Record(rig, 1, 1500);

            // Queued at C+300 s as High: the whole message is due at C+360 s.
            rig.RunUntil(c + 300 * Second);
            Assert.Equal(c + 360 * Second, rig.H.Engine.SendDue);
            rig.RunUntil(c + 360 * Second - 1);
            Assert.Empty(rig.Sent);

            rig.RunUntil(c + 360 * Second);
            SentMessage m = Assert.Single(rig.Sent);
            Assert.Equal(c + 360 * Second, m.At);
            Assert.Equal(new[] { ("SystemInformation", c), ("ConnectionCreate", c + 300 * Second) }, m.Events.Select(e => (e.Name, e.QueuedAt)));

            // Nothing is left behind, and nothing goes out at C+600 s: the next heartbeat
            // (low priority group, C+420 s) starts a new message.
            Assert.Equal(long.MaxValue, rig.H.Engine.SendDue);
            rig.RunUntil(c + 420 * Second);
            Assert.Equal(c + 420 * Second + 600 * Second, rig.H.Engine.SendDue);
            rig.RunUntil(c + 1000 * Second);
            Assert.Single(rig.Sent);
            CadenceRig.AssertSentOnTime(rig.Sent, configuration);
        }

        [Fact]
        public void SystemInformationOffMeansNoSystemInformationEventNotEvenAHeartbeat()
        {
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            configuration.EventPrioritySystemInformation = EventPriority.Off;

            // Nothing else to say: nothing is sent at all.
            var quiet = new CadenceRig(configuration, new FixedSystemInformation());
            quiet.RunUntil(quiet.FirstCollection + 2 * Hour);
            Assert.Empty(quiet.Sent);

            // With listening ports and flows, messages go, none with a SystemInformation event.
            var rig = new CadenceRig(configuration, new FixedSystemInformation(), new FixedListeningPorts());
            long c = rig.FirstCollection;
            rig.Every(Minute, c + Hour, t => Record(rig, 1, 100));
            Assert.NotEmpty(rig.Sent);
            Assert.Empty(rig.EventsNamed("SystemInformation"));
            Assert.Equal(121, rig.EventsNamed("ListeningPorts").Length);
            Assert.Equal(60, rig.FlowItems().Length);
        }

        [Fact]
        public void ConnectionCreateOffSendsNoFlowAndDropsNone()
        {
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            configuration.EventPriorityConnectionCreate = EventPriority.Off;
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;

            // Far more flows than the caches hold, for an hour.
            uint next = 0;
            rig.Every(10 * Second, c + Hour, t =>
            {
                for (int i = 0; i < 20; i++)
                {
                    Record(rig, next++, 100);
                }
            });

            Assert.NotEmpty(rig.Sent);
            Assert.Empty(rig.EventsNamed("ConnectionCreate"));
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
            Assert.All(rig.Sent, m => Assert.All(m.Events, e => Assert.Equal("SystemInformation", e.Name)));

            // Back on: what was recorded while Off is never sent; what comes after is.
            rig.RunUntil(c + Hour + 5 * Second);
            configuration.EventPriorityConnectionCreate = EventPriority.Low;
            rig.H.Engine.Configure(configuration);
            Assert.True(Record(rig, 100_000, 64));
            rig.RunUntil(c + Hour + 10 * Second);
            FlowItem item = Assert.Single(rig.FlowItems());
            Assert.Equal(Remote(100_000), item.RemoteAddress);
            Assert.Equal((0UL, 64UL, 1U), (item.BytesIn, item.BytesOut, item.Hits));
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void SnapshotsComeOncePerSnapshotFrequency()
        {
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            configuration.SnapshotFrequency = 600;
            var rig = new CadenceRig(configuration, new FixedSystemInformation(), new FixedListeningPorts());
            long c = rig.FirstCollection;
            rig.RunUntil(c + Hour + 599 * Second);

            long[] expected = Enumerable.Range(0, 7).Select(k => c + k * 600 * Second).ToArray();
            Assert.Equal(expected, rig.EventsNamed("SystemInformation").Where(e => !e.IsEmpty).Select(e => e.QueuedAt));
            Assert.Equal(expected, rig.EventsNamed("ListeningPorts").Select(e => e.QueuedAt));

            // The heartbeat is no snapshot: every low priority collection with nothing queued.
            Assert.Equal(Enumerable.Range(0, 70).Select(k => c + k * Minute), rig.EventsNamed("SystemInformation").Where(e => e.IsEmpty).Select(e => e.QueuedAt));
        }

        [Fact]
        public void AFullMessageGoesOutAtOnceAndTheRestWaitsForItsOwnDeadline()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.AggregationEnabledConnectionCreate = false;
            Assert.Equal(EventPriority.Low, configuration.EventPriorityConnectionCreate);
            Assert.Equal(EventPriority.High, configuration.EventPriorityListeningPorts);
            var rig = new CadenceRig(configuration, listeningPorts: new FixedListeningPorts());
            long c = rig.FirstCollection;

            // The first collection queues the listening ports (High: due at C+7 min) and a heartbeat.
            rig.RunUntil(c);
            Assert.Equal(c + 420 * Second, rig.H.Engine.SendDue);

            // Many flows, Low, queued at C+10 s: far more than a message holds.
            rig.RunUntil(c + 5 * Second);
            int capacity = rig.H.Module.Ipv4Connections.Capacity;
            for (uint i = 0; i < capacity; i++)
            {
                Assert.True(Record(rig, i, 1000 + (int)i));
            }

            rig.RunUntil(c + 10 * Second);
            IReadOnlyList<SentMessage> full = rig.Sent;
            Assert.True(full.Count >= 2, $"{capacity} flows must fill more than one message");
            Assert.All(full, m => Assert.Equal(c + 10 * Second, m.At));
            Assert.All(full, m => Assert.True(m.Length > AscPortConfig.MaxMessageSize - 600, $"a message of {m.Length} bytes went out early"));
            Assert.Equal("ListeningPorts", full[0].Events[0].Name);

            // What is left holds Low flows only: the listening ports' 7 min went out with the
            // first message, so the rest waits for lowPriorityMessageFrequency.
            Assert.Equal(c + 10 * Second + 18000 * Second, rig.H.Engine.SendDue);
            rig.RunUntil(c + 10 * Second + 18000 * Second);
            SentMessage rest = rig.Sent[^1];
            Assert.Equal(c + 10 * Second + 18000 * Second, rest.At);
            Assert.Equal(full.Count + 1, rig.Sent.Count);

            FlowItem[] items = rig.FlowItems();
            Assert.Equal(capacity, items.Length);
            Assert.Equal(Enumerable.Range(0, capacity).Select(i => Remote((uint)i)).ToHashSet(), items.Select(i => i.RemoteAddress).ToHashSet());
            Assert.Equal(Enumerable.Range(0, capacity).Sum(i => 1000L + i), items.Sum(i => (long)i.BytesOut));
            CadenceRig.AssertSentWithinFrequency(rig.Sent, configuration);
            CadenceRig.AssertSentOnTime(rig.Sent, configuration);
        }

        [Fact]
        public void ConfiguringAShorterFrequencyReplansTheOpenMessage()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;
            rig.RunUntil(c + 100 * Second);
            Assert.Empty(rig.Sent);
            Assert.Equal(c + 18000 * Second, rig.H.Engine.SendDue);

            // Five minutes instead of five hours, counted from when the heartbeat was queued.
            configuration.HighPriorityMessageFrequency = 300;
            configuration.LowPriorityMessageFrequency = 300;
            rig.H.Engine.Configure(configuration);
            Assert.Equal(c + 300 * Second, rig.H.Engine.SendDue);
            rig.TickNow();
            rig.RunUntil(c + 300 * Second - 1);
            Assert.Empty(rig.Sent);
            rig.RunUntil(c + 300 * Second);
            Assert.Contains(c + 300 * Second, rig.Ticks);
            Assert.Equal(c + 300 * Second, Assert.Single(rig.Sent).At);

            // A frequency whose time has already passed sends at the very next tick.
            rig.RunUntil(c + 360 * Second);
            Assert.Equal(c + 360 * Second + 300 * Second, rig.H.Engine.SendDue);
            rig.RunUntil(c + 500 * Second);
            configuration.LowPriorityMessageFrequency = 60;
            configuration.HighPriorityMessageFrequency = 60;
            rig.H.Engine.Configure(configuration);
            Assert.Equal(c + 420 * Second, rig.H.Engine.SendDue);
            Assert.Single(rig.Sent);
            rig.TickNow();
            Assert.Equal(2, rig.Sent.Count);
            Assert.Equal(c + 500 * Second, rig.Sent[1].At);
            Assert.Equal(long.MaxValue, rig.H.Engine.SendDue);
        }

        [Fact]
        public void AChangeOfMaxMessageSizeSendsTheOpenMessageFirst()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.AggregationEnabledConnectionCreate = false;
            var rig = new CadenceRig(configuration, new FixedSystemInformation(), new FixedListeningPorts());
            long c = rig.FirstCollection;
            rig.RunUntil(c + 15 * Second);
            for (uint i = 0; i < 6; i++)
            {
                Record(rig, i, 10);
            }

            rig.RunUntil(c + 20 * Second);
            Assert.Empty(rig.Sent);

            // Anything else changes nothing about the open message.
            configuration.SnapshotFrequency = 7200;
            rig.H.Engine.Configure(configuration);
            Assert.Empty(rig.Sent);

            // A new size: what is open goes out now, at its old size, before any tick.
            configuration.MaxMessageSizeInBytes = 2048;
            rig.H.Engine.Configure(configuration);
            SentMessage m = Assert.Single(rig.Sent);
            Assert.Equal(c + 20 * Second, m.At);
            Assert.True(m.Length > 2048, $"the open message ({m.Length} bytes) was meant to be larger than the new size");
            Assert.Equal(new[] { "ConnectionCreate", "ListeningPorts", "SystemInformation" }, m.Events.Where(e => !e.IsEmpty).Select(e => e.Name).Order(StringComparer.Ordinal));
            Assert.True(m.Heartbeats <= 1);
            Assert.Equal(long.MaxValue, rig.H.Engine.SendDue);

            // Messages from now on fit the new size.
            rig.RunUntil(c + 25 * Second);
            for (uint i = 0; i < 40; i++)
            {
                Record(rig, 1000 + i, 10);
            }

            rig.RunUntil(c + 30 * Second + 18000 * Second);
            Assert.True(rig.Sent.Count > 3);
            Assert.All(rig.Sent.Skip(1), s => Assert.True(s.Length <= 2048, $"message of {s.Length} bytes"));
            Assert.Equal(46, rig.FlowItems().Length);
        }

        [Fact]
        public void TheHeartbeatOnlyRunsWhileNothingIsQueued()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.LowPriorityMessageFrequency = 900;
            configuration.AggregationEnabledConnectionCreate = false;
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;
            rig.RunUntil(c + 3 * Hour);

            // One heartbeat per message: the first low priority collection after a message went out queues it.
            long[] expected = { c, c + 960 * Second, c + 1920 * Second, c + 2880 * Second, c + 3840 * Second, c + 4800 * Second, c + 5760 * Second, c + 6720 * Second, c + 7680 * Second, c + 8640 * Second, c + 9600 * Second };
            Assert.Equal(expected.Select(q => q + 900 * Second).Where(t => t <= c + 3 * Hour), rig.Sent.Select(m => m.At));
            Assert.All(rig.Sent, m => Assert.Equal(1, m.Heartbeats));
            Assert.Equal(expected.Take(rig.Sent.Count), rig.Sent.Select(m => m.Events.Single().QueuedAt));
        }

        internal static bool Record(CadenceRig rig, uint flow, int bytes, FlowDirection direction = FlowDirection.Out) =>
            rig.H.Module.Ipv4Connections.Record(direction, TransportProtocol.Tcp, Local, (ushort)(40000 + flow % 20000), 0x0B000000u + flow, 443, bytes);

        internal static string Remote(uint flow) => Ipv4Text(0x0B000000u + flow);

        /// <summary>Dotted text of an address whose first octet is the most significant byte.</summary>
        internal static string Ipv4Text(uint address) => (address >> 24) + "." + ((address >> 16) & 0xFF) + "." + ((address >> 8) & 0xFF) + "." + (address & 0xFF);

        /// <summary>A device's steady background: three long-lived flows on fixed periods.</summary>
        private sealed class SteadyTraffic
        {
            public readonly Flow[] Flows =
            {
                new Flow(TransportProtocol.Tcp, 49152, 0x34010203, 8883, 30 * Second, 120, 64),
                new Flow(TransportProtocol.Tcp, 50000, 0x14320203, 443, 5 * Minute, 520, 1480),
                new Flow(TransportProtocol.Udp, 123, 0xA29FC801, 123, 15 * Minute, 76, 76),
            };

            public void Send(SecurityModule module, long t)
            {
                foreach (Flow flow in Flows)
                {
                    if (t % flow.Period == 0)
                    {
                        Assert.True(module.Ipv4Connections.Record(FlowDirection.Out, flow.Protocol, Local, flow.LocalPort, flow.Remote, flow.RemotePortNumber, flow.Out));
                        Assert.True(module.Ipv4Connections.Record(FlowDirection.In, flow.Protocol, Local, flow.LocalPort, flow.Remote, flow.RemotePortNumber, flow.In));
                        flow.Sent.Add(t);
                    }
                }
            }

            public sealed class Flow(TransportProtocol protocol, ushort localPort, uint remote, ushort remotePort, long period, int outBytes, int inBytes)
            {
                public TransportProtocol Protocol { get; } = protocol;

                public ushort LocalPort { get; } = localPort;

                public uint Remote { get; } = remote;

                public ushort RemotePortNumber { get; } = remotePort;

                public long Period { get; } = period;

                public int Out { get; } = outBytes;

                public int In { get; } = inBytes;

                public List<long> Sent { get; } = new List<long>();

                public string RemoteText => Ipv4Text(Remote);

                public string RemotePort => RemotePortNumber.ToString(CultureInfo.InvariantCulture);

                /// <summary>Totals of the packets recorded at times in [from, until).</summary>
                public (ulong BytesIn, ulong BytesOut, uint Hits) Packets(long from, long until)
                {
                    int n = Sent.Count(t => t >= from && t < until);
                    return ((ulong)(n * In), (ulong)(n * Out), (uint)(2 * n));
                }
            }
        }
    }

    /// <summary>A message as the module wrote it, with the monotonic time it was written at.</summary>
    internal sealed class SentMessage
    {
        public long At { get; init; }

        public int Length { get; init; }

        public IReadOnlyList<SentEvent> Events { get; init; }

        public int Heartbeats => Events.Count(e => e.Name == "SystemInformation" && e.IsEmpty);
    }

    /// <summary>An event of a sent message; <see cref="QueuedAt"/> is its timestamp on the monotonic clock (when it was collected).</summary>
    internal sealed class SentEvent
    {
        public string Name { get; init; }

        public bool IsEmpty { get; init; }

        public long QueuedAt { get; init; }

        public JsonElement Json { get; init; }
    }

    /// <summary>A ConnectionCreate payload item with the time its event was collected.</summary>
    internal sealed class FlowItem
    {
        public long QueuedAt { get; init; }

        public string RemoteAddress { get; init; }

        public string RemotePort { get; init; }

        public string LocalAddress { get; init; }

        public string LocalPort { get; init; }

        public string Protocol { get; init; }

        public ulong BytesIn { get; init; }

        public ulong BytesOut { get; init; }

        public uint Hits { get; init; }

        public string Key => Protocol + " " + LocalAddress + ":" + LocalPort + " " + RemoteAddress + ":" + RemotePort;
    }

    /// <summary>
    /// A <see cref="ModuleHarness"/> driven as the module's own thread drives it: ticked exactly
    /// when the engine asks (Tick returns the delay), with the test doing its recording in
    /// between; every message is stamped with the monotonic time it was written at.
    /// </summary>
    internal sealed class CadenceRig : ISecurityMessageObserver
    {
        private readonly List<long> _writtenAt = new List<long>();
        private readonly List<long> _ticks = new List<long>();

        public CadenceRig(AgentConfiguration configuration, ISystemInformationSource systemInformation = null, IListeningPortsSource listeningPorts = null)
        {
            H = new ModuleHarness(systemInformation: systemInformation, listeningPorts: listeningPorts, observer: this, configuration: configuration);
            H.StartEngine();
            TickNow();
            FirstCollection = NextTick;
            Assert.Equal(FirstCollection, H.Engine.NextDue(CollectorPriority.High));
        }

        public ModuleHarness H { get; }

        /// <summary>Monotonic time of the first collection.</summary>
        public long FirstCollection { get; }

        public long Now => H.Clock.ElapsedMilliseconds;

        /// <summary>When the engine asked to be ticked next.</summary>
        public long NextTick { get; private set; }

        /// <summary>Every time the engine was ticked.</summary>
        public IReadOnlyList<long> Ticks => _ticks;

        /// <summary>Called with every message as it is written, after it is stamped (inside the engine's lock).</summary>
        public Action<byte[], int> OnWritten { get; set; }

        public void OnMessage(byte[] body, int length)
        {
            _writtenAt.Add(Now);
            OnWritten?.Invoke(body, length);
        }

        /// <summary>Ticks now, as the module's thread does when woken (a link change, a twin update).</summary>
        public void TickNow()
        {
            long delay = H.Engine.Tick();
            Assert.True(delay > 0, $"the engine asked for a tick {delay} ms from now at {Now}");
            _ticks.Add(Now);
            NextTick = Now + delay;
        }

        /// <summary>Ticks at every time the engine asks for up to and including <paramref name="until"/>, then moves the clock there.</summary>
        public void RunUntil(long until)
        {
            Assert.True(until >= Now, "time only goes forward");
            while (NextTick <= until)
            {
                H.Clock.ElapsedMilliseconds = NextTick;
                TickNow();
            }

            H.Clock.ElapsedMilliseconds = until;
        }

        /// <summary>Runs until <paramref name="until"/>, calling <paramref name="action"/> at every multiple of <paramref name="period"/> after the ticks due then.</summary>
        public void Every(long period, long until, Action<long> action)
        {
            for (long t = (Now / period + 1) * period; t <= until; t += period)
            {
                RunUntil(t);
                action(t);
            }

            RunUntil(until);
        }

        /// <summary>Every message written so far (each valid, or reading fails the test), with when it was written.</summary>
        public IReadOnlyList<SentMessage> Sent
        {
            get
            {
                IReadOnlyList<byte[]> bodies = H.Sink.Messages;
                Assert.Equal(_writtenAt.Count, bodies.Count);
                var sent = new List<SentMessage>();
                for (int i = 0; i < bodies.Count; i++)
                {
                    JsonElement root = JsonDocument.Parse(bodies[i]).RootElement;
                    sent.Add(new SentMessage
                    {
                        At = _writtenAt[i],
                        Length = bodies[i].Length,
                        Events = root.GetProperty("Events").EnumerateArray().Select(e => new SentEvent
                        {
                            Name = e.GetProperty("Name").GetString(),
                            IsEmpty = e.GetProperty("IsEmpty").GetBoolean(),
                            QueuedAt = MonotonicTime(e.GetProperty("TimestampUTC").GetString()),
                            Json = e,
                        }).ToArray(),
                    });
                }

                return sent;
            }
        }

        public SentEvent[] EventsNamed(string name) => Sent.SelectMany(m => m.Events).Where(e => e.Name == name).ToArray();

        /// <summary>Every ConnectionCreate payload item sent, in order.</summary>
        public FlowItem[] FlowItems() =>
            EventsNamed("ConnectionCreate").SelectMany(e => e.Json.GetProperty("Payload").EnumerateArray().Select(i => new FlowItem
            {
                QueuedAt = e.QueuedAt,
                RemoteAddress = i.GetProperty("RemoteAddress").GetString(),
                RemotePort = i.GetProperty("RemotePort").GetString(),
                LocalAddress = i.GetProperty("LocalAddress").GetString(),
                LocalPort = i.GetProperty("LocalPort").GetString(),
                Protocol = i.GetProperty("Protocol").GetString(),
                BytesIn = ulong.Parse(i.GetProperty("ExtraDetails").GetProperty("BytesIn").GetString(), CultureInfo.InvariantCulture),
                BytesOut = ulong.Parse(i.GetProperty("ExtraDetails").GetProperty("BytesOut").GetString(), CultureInfo.InvariantCulture),
                Hits = uint.Parse(i.GetProperty("ExtraDetails").GetProperty("HitCount").GetString(), CultureInfo.InvariantCulture),
            })).ToArray();

        /// <summary>The harness's UTC clock reads <see cref="ModuleHarness.Epoch"/> at monotonic 1,000 ms.</summary>
        public static long MonotonicTime(string timestampUtc)
        {
            DateTime utc = DateTime.ParseExact(timestampUtc, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            return (long)(utc - ModuleHarness.Epoch).TotalMilliseconds + 1_000;
        }

        /// <summary>Seconds an event of this name may wait: the frequency of its priority.</summary>
        public static long Frequency(AgentConfiguration configuration, string name)
        {
            EventPriority priority = name switch
            {
                "ConnectionCreate" => configuration.EventPriorityConnectionCreate,
                "ListeningPorts" => configuration.EventPriorityListeningPorts,
                "SystemInformation" => configuration.EventPrioritySystemInformation,
                "DroppedEventsStatistics" => configuration.EventPriorityDroppedEventsStatistics,
                "MessageStatistics" => configuration.EventPriorityMessageStatistics,
                "ConfigurationError" => configuration.EventPriorityConfigurationError,
                _ => throw new ArgumentException(name),
            };
            Assert.NotEqual(EventPriority.Off, priority);
            return priority == EventPriority.High ? configuration.HighPriorityMessageFrequency : configuration.LowPriorityMessageFrequency;
        }

        /// <summary>No event waited longer than its priority's frequency.</summary>
        public static void AssertSentWithinFrequency(IEnumerable<SentMessage> sent, AgentConfiguration configuration)
        {
            foreach (SentMessage m in sent)
            {
                foreach (SentEvent e in m.Events)
                {
                    Assert.True(e.QueuedAt <= m.At, $"{e.Name} stamped {e.QueuedAt} after its message went out at {m.At}");
                    long deadline = e.QueuedAt + Frequency(configuration, e.Name) * 1000;
                    Assert.True(m.At <= deadline, $"{e.Name} queued at {e.QueuedAt} went out at {m.At}, after its deadline {deadline}");
                }
            }
        }

        /// <summary>
        /// A message that is not full went out exactly when the frequency of its most urgent
        /// event passed, not before; a full one went out no later than that.
        /// </summary>
        public static void AssertSentOnTime(IEnumerable<SentMessage> sent, AgentConfiguration configuration)
        {
            foreach (SentMessage m in sent)
            {
                long due = m.Events.Min(e => e.QueuedAt + Frequency(configuration, e.Name) * 1000);
                bool full = m.Length > configuration.MaxMessageSizeInBytes - 600;
                if (full)
                {
                    Assert.True(m.At <= due, $"a full message went out at {m.At}, after {due}");
                }
                else
                {
                    Assert.True(m.At == due, $"a message of {m.Length} bytes with {string.Join(",", m.Events.Select(e => e.Name + "@" + e.QueuedAt))} went out at {m.At}, due {due}");
                }
            }
        }
    }

    /// <summary>Fixed device facts for SystemInformation snapshots.</summary>
    internal sealed class FixedSystemInformation : ISystemInformationSource
    {
        public void Read(SystemInformation information)
        {
            information.OsName = ".NET nanoFramework";
            information.OsVersion = "1.12.0.4";
            information.Architecture = "ESP32";
            information.HostName = "cadence-test";
            information.TotalMemoryKB = 520;
            information.FreeMemoryKB = 143;
        }
    }

    /// <summary>Two listening sockets.</summary>
    internal sealed class FixedListeningPorts : IListeningPortsSource
    {
        public void Read(ListeningPortList ports)
        {
            ports.AddIpv4(TransportProtocol.Tcp, 0, 80);
            ports.AddIpv4(TransportProtocol.Udp, 0, 5683);
        }
    }
}
