using System.Net;
using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// Flow aggregation (<c>aggregationEnabledConnectionCreate</c>, <c>aggregationIntervalConnectionCreate</c>):
    /// a flow's bytes and packets add up over the interval and are one payload item per interval;
    /// a cache that fills early is set aside (spilled) for the next collection instead of
    /// refusing new flows; without aggregation the caches are drained at every high priority
    /// collection, as in ThreadX. The engine is ticked exactly when it asks (<see cref="CadenceRig"/>).
    /// </summary>
    public class FlowAggregationTests
    {
        private const long Second = 1000;
        private const long Minute = 60 * Second;
        private const long Hour = 60 * Minute;

        // 192.168.1.20, the device; a long-lived TLS connection to 52.1.2.3:8883.
        private const uint Local = 0xC0A80114;
        private const uint Hub = 0x34010203;

        private static AgentConfiguration Aggregating(long intervalSeconds)
        {
            // Messages at the end of every collection, so that only aggregation decides when flows appear.
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            configuration.AggregationEnabledConnectionCreate = true;
            configuration.AggregationIntervalConnectionCreate = intervalSeconds;
            return configuration;
        }

        [Fact]
        public void ALongLivedFlowIsOneItemPerAggregationIntervalWithExactSums()
        {
            var rig = new CadenceRig(Aggregating(600));
            long c = rig.FirstCollection;
            rig.RunUntil(c);
            var hub = new Feed(rig, TransportProtocol.Tcp, 49152, Hub, 8883);
            var dns = new Feed(rig, TransportProtocol.Udp, 5353, 0x0A000001, 53);

            // Three intervals of continuous traffic: a packet a second to the hub, alternately
            // out and in with varying sizes, and a DNS exchange every 7 s.
            rig.Every(Second, c + 1800 * Second, t =>
            {
                long s = t / Second;
                if (s % 2 == 0)
                {
                    hub.Send(t, FlowDirection.Out, 40 + (int)(s % 13));
                }
                else
                {
                    hub.Send(t, FlowDirection.In, 100 + (int)(s % 17));
                }

                if (s % 7 == 0)
                {
                    dns.Send(t, FlowDirection.Out, 45);
                    dns.Send(t, FlowDirection.In, 90 + (int)(s % 5));
                }
            });

            // Drains at C+600, C+1200, C+1800 s; what was recorded at C+1800 s itself (after that
            // collection) waits for the next interval.
            long[] drains = { c + 600 * Second, c + 1200 * Second, c + 1800 * Second };
            Assert.Equal(drains, rig.EventsNamed("ConnectionCreate").Select(e => e.QueuedAt));
            hub.AssertReportedOncePerDrain(rig.FlowItems(), c, drains);
            dns.AssertReportedOncePerDrain(rig.FlowItems(), c, drains);
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void WithoutAggregationAFlowIsOneItemPerHighPriorityCollection()
        {
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            Assert.False(configuration.AggregationEnabledConnectionCreate);
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;
            rig.RunUntil(c);
            var hub = new Feed(rig, TransportProtocol.Tcp, 49152, Hub, 8883);
            rig.Every(Second, c + 60 * Second, t => hub.Send(t, (t / Second) % 3 == 0 ? FlowDirection.In : FlowDirection.Out, 50 + (int)(t / Second % 11)));

            long[] drains = Enumerable.Range(1, 6).Select(k => c + k * AscPortConfig.HighPriorityInterval * Second).ToArray();
            Assert.Equal(drains, rig.EventsNamed("ConnectionCreate").Select(e => e.QueuedAt));
            hub.AssertReportedOncePerDrain(rig.FlowItems(), c, drains);
        }

        [Fact]
        public void WithTheTwinDefaultsAHighPriorityFlowIsSentSevenMinutesAfterEachHourlyDrain()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.EventPriorityConnectionCreate = EventPriority.High;
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;
            rig.RunUntil(c);
            var hub = new Feed(rig, TransportProtocol.Tcp, 49152, Hub, 8883);
            rig.Every(10 * Second, c + 3 * Hour + 7 * Minute, t => hub.Send(t, FlowDirection.Out, 120));

            long[] drains = { c + Hour, c + 2 * Hour, c + 3 * Hour };
            Assert.Equal(drains.Select(d => d + 7 * Minute), rig.Sent.Select(m => m.At));
            hub.AssertReportedOncePerDrain(rig.FlowItems(), c, drains);
            Assert.All(hub.Reported(rig.FlowItems()), i => Assert.Equal(360U, i.Hits));
            CadenceRig.AssertSentOnTime(rig.Sent, configuration);
        }

        [Fact]
        public void AFullCacheIsSpilledInsteadOfRefusingNewFlowsAndEveryFlowIsReported()
        {
            var rig = new CadenceRig(Aggregating(3600));
            long c = rig.FirstCollection;
            rig.RunUntil(c + 5 * Second);
            Ipv4ConnectionCache cache = rig.H.Module.Ipv4Connections;
            int capacity = AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache;
            Assert.Equal(capacity, cache.Capacity);

            var expected = new Dictionary<string, ulong>();
            for (uint i = 0; i < capacity + 10; i++)
            {
                Assert.True(RecordNew(cache, i, 100 + (int)i), $"flow {i} refused");
                expected.Add(SendingCadenceTests.Ipv4Text(0xC6336400u + i), 100 + i);
            }

            // The full table was set aside at the first flow it had no room for.
            Assert.Equal(10, cache.Count);

            // The next high priority collection sends the spilled table, long before the interval ends.
            rig.RunUntil(c + 10 * Second);
            FlowItem[] early = rig.FlowItems();
            Assert.Equal(capacity, early.Length);
            Assert.All(early, i => Assert.Equal(c + 10 * Second, i.QueuedAt));

            // The rest aggregate until the interval ends.
            rig.RunUntil(c + Hour - 1);
            Assert.Equal(capacity, rig.FlowItems().Length);
            rig.RunUntil(c + Hour);
            FlowItem[] all = rig.FlowItems();
            Assert.Equal(capacity + 10, all.Length);
            Assert.All(all.Skip(capacity), i => Assert.Equal(c + Hour, i.QueuedAt));
            Assert.Equal(expected, all.ToDictionary(i => i.RemoteAddress, i => i.BytesOut));
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void NewFlowsAreRefusedOnlyWhileASpilledTableWaitsAndAreCountedAsDropped()
        {
            var rig = new CadenceRig(Aggregating(3600));
            long c = rig.FirstCollection;
            rig.RunUntil(c + 5 * Second);
            Ipv4ConnectionCache cache = rig.H.Module.Ipv4Connections;
            int capacity = cache.Capacity;

            // Two tables' worth with no collection in between: the first is spilled, the second fills.
            for (uint i = 0; i < 2 * capacity; i++)
            {
                Assert.True(RecordNew(cache, i, 100), $"flow {i} refused");
            }

            // Now the spilled table waits for the collector: new flows are refused...
            for (uint i = 0; i < 5; i++)
            {
                Assert.False(RecordNew(cache, 1000 + i, 100), $"flow {1000 + i} accepted");
            }

            // ...while flows of the recording table keep counting.
            Assert.True(RecordNew(cache, (uint)capacity, 11));
            Assert.Equal(capacity, cache.Count);

            // The collection takes the spilled table; the next new flow spills the full one again.
            rig.RunUntil(c + 10 * Second);
            Assert.Equal(capacity, rig.FlowItems().Length);
            rig.RunUntil(c + 15 * Second);
            Assert.True(RecordNew(cache, 2000, 100));
            Assert.Equal(1, cache.Count);

            // The refusals travel with the table they happened in.
            rig.RunUntil(c + 20 * Second);
            SentEvent dropped = Assert.Single(rig.EventsNamed("DroppedEventsStatistics"));
            Assert.Equal(c + 20 * Second, dropped.QueuedAt);
            var queues = dropped.Json.GetProperty("Payload").EnumerateArray().ToDictionary(q => q.GetProperty("Queue").GetString());
            Assert.Equal(5, queues["High"].GetProperty("DroppedEvents").GetInt32());
            Assert.Equal(2 * capacity + 5, queues["High"].GetProperty("CollectedEvents").GetInt32());
            Assert.Equal(0, queues["Low"].GetProperty("DroppedEvents").GetInt32());

            rig.RunUntil(c + Hour);
            FlowItem[] items = rig.FlowItems();
            Assert.Equal(2 * capacity + 1, items.Length);
            var expected = Enumerable.Range(0, 2 * capacity).Select(i => (uint)i).Append(2000u).Select(i => SendingCadenceTests.Ipv4Text(0xC6336400u + i));
            Assert.Equal(expected.ToHashSet(), items.Select(i => i.RemoteAddress).ToHashSet());
            Assert.Equal(111UL, items.Single(i => i.RemoteAddress == SendingCadenceTests.Ipv4Text(0xC6336400u + (uint)capacity)).BytesOut);
            Assert.Single(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void AFullIpv6CacheIsSpilledToo()
        {
            var rig = new CadenceRig(Aggregating(3600));
            long c = rig.FirstCollection;
            rig.RunUntil(c + 5 * Second);
            Ipv6ConnectionCache cache = rig.H.Module.Ipv6Connections;
            int capacity = AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache;
            for (int i = 0; i < capacity + 3; i++)
            {
                Assert.True(RecordNew6(cache, i, 200 + i), $"flow {i} refused");
            }

            Assert.Equal(3, cache.Count);
            rig.RunUntil(c + 10 * Second);
            Assert.Equal(capacity, rig.FlowItems().Length);
            rig.RunUntil(c + Hour);
            FlowItem[] items = rig.FlowItems();
            Assert.Equal(Enumerable.Range(0, capacity + 3).Select(i => Ipv6Remote(i).ToString()).ToHashSet(), items.Select(i => i.RemoteAddress).ToHashSet());
            Assert.Equal(Enumerable.Range(0, capacity + 3).Sum(i => 200L + i), items.Sum(i => (long)i.BytesIn));
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));
        }

        [Fact]
        public void FlowsRecordedWhileTheCollectorWritesAreNotLost()
        {
            // Packets keep coming on other threads while the collector writes. Here they come at a
            // known point: while the spilled IPv4 table is being written, in the same collection
            // that ends the interval, the IPv6 cache fills up and spills.
            var rig = new CadenceRig(Aggregating(600));
            long c = rig.FirstCollection;
            rig.RunUntil(c + 595 * Second);
            Ipv4ConnectionCache v4 = rig.H.Module.Ipv4Connections;
            Ipv6ConnectionCache v6 = rig.H.Module.Ipv6Connections;
            for (uint i = 0; i < v4.Capacity + 1; i++)
            {
                Assert.True(RecordNew(v4, i, 100));
            }

            bool injected = false;
            rig.OnWritten = (body, length) =>
            {
                if (!injected)
                {
                    injected = true;
                    for (int i = 0; i < v6.Capacity + 1; i++)
                    {
                        Assert.True(RecordNew6(v6, i, 300));
                    }
                }
            };

            rig.RunUntil(c + 600 * Second);
            Assert.True(injected, "the spilled table should not fit one message");
            rig.OnWritten = null;
            rig.RunUntil(c + 1200 * Second);

            FlowItem[] items = rig.FlowItems();
            var expected = Enumerable.Range(0, v4.Capacity + 1).Select(i => SendingCadenceTests.Ipv4Text(0xC6336400u + (uint)i))
                .Concat(Enumerable.Range(0, v6.Capacity + 1).Select(i => Ipv6Remote(i).ToString()));
            Assert.Equal(expected.OrderBy(a => a), items.Select(i => i.RemoteAddress).OrderBy(a => a));
            Assert.Empty(rig.EventsNamed("DroppedEventsStatistics"));

            // And the caches work as before: a new full table spills and is sent at the next collection.
            rig.RunUntil(c + 1205 * Second);
            for (uint i = 0; i < v4.Capacity + 1; i++)
            {
                Assert.True(RecordNew(v4, 5000 + i, 100));
            }

            rig.RunUntil(c + 1210 * Second);
            Assert.Equal(2 * (v4.Capacity + 1) + v6.Capacity + 1 - 1, rig.FlowItems().Length);
        }

        [Fact]
        public void TurningAggregationOffAtRunTimeDrainsAtEveryHighPriorityCollectionAgain()
        {
            AgentConfiguration configuration = Aggregating(3600);
            var rig = new CadenceRig(configuration);
            long c = rig.FirstCollection;
            rig.RunUntil(c);
            var hub = new Feed(rig, TransportProtocol.Tcp, 49152, Hub, 8883);
            rig.Every(Second, c + 100 * Second, t => hub.Send(t, FlowDirection.Out, 10));
            Assert.Empty(rig.FlowItems());

            configuration.AggregationEnabledConnectionCreate = false;
            rig.H.Engine.Configure(configuration);
            rig.Every(Second, c + 130 * Second, t => hub.Send(t, FlowDirection.Out, 10));

            // C+110 s carries what aggregated since C (packets at C+1 s … C+109 s), then one item per 10 s.
            long[] drains = { c + 110 * Second, c + 120 * Second, c + 130 * Second };
            hub.AssertReportedOncePerDrain(rig.FlowItems(), c, drains);
            Assert.Equal(new uint[] { 109, 10, 10 }, hub.Reported(rig.FlowItems()).Select(i => i.Hits));

            // On again: the flow aggregates for a whole interval from the last drain.
            configuration.AggregationEnabledConnectionCreate = true;
            configuration.AggregationIntervalConnectionCreate = 60;
            rig.H.Engine.Configure(configuration);
            rig.Every(Second, c + 250 * Second, t => hub.Send(t, FlowDirection.Out, 10));
            hub.AssertReportedOncePerDrain(rig.FlowItems(), c, drains.Concat(new[] { c + 190 * Second, c + 250 * Second }).ToArray());
        }

        [Fact]
        public void TheCachesRecordAgainWhenTheEngineIsStartedAfterAStop()
        {
            var rig = new CadenceRig(Aggregating(600));
            long c = rig.FirstCollection;
            rig.RunUntil(c + 5 * Second);
            Assert.True(RecordNew(rig.H.Module.Ipv4Connections, 1, 100));

            // Stop sends what is queued and forgets what the caches held; meanwhile nothing records.
            rig.H.Engine.Stop();
            Assert.False(RecordNew(rig.H.Module.Ipv4Connections, 2, 100));

            rig.H.Clock.Advance(Minute);
            rig.H.Engine.Start();
            rig.H.Engine.SetLinkState(true);
            Assert.True(RecordNew(rig.H.Module.Ipv4Connections, 3, 300));
            rig.TickNow();
            rig.RunUntil(c + 700 * Second);
            FlowItem item = Assert.Single(rig.FlowItems());
            Assert.Equal(SendingCadenceTests.Ipv4Text(0xC6336403u), item.RemoteAddress);
            Assert.Equal(300UL, item.BytesOut);
        }

        private static bool RecordNew(Ipv4ConnectionCache cache, uint i, int bytes) =>
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, (ushort)(40000 + i % 20000), 0xC6336400u + i, 443, bytes);

        private static readonly byte[] LocalV6 = IPAddress.Parse("2001:db8::20").GetAddressBytes();

        private static IPAddress Ipv6Remote(int i)
        {
            byte[] remote = IPAddress.Parse("2001:db8:ffff::").GetAddressBytes();
            remote[14] = (byte)(i >> 8);
            remote[15] = (byte)i;
            return new IPAddress(remote);
        }

        private static bool RecordNew6(Ipv6ConnectionCache cache, int i, int bytes) =>
            cache.Record(FlowDirection.In, TransportProtocol.Udp, LocalV6, 0, 5683, Ipv6Remote(i).GetAddressBytes(), 0, (ushort)(1000 + i), bytes);

        /// <summary>One IPv4 flow the test feeds, remembering every packet to compute what each drain must report.</summary>
        private sealed class Feed(CadenceRig rig, TransportProtocol protocol, ushort localPort, uint remote, ushort remotePort)
        {
            private readonly List<(long At, FlowDirection Direction, int Bytes)> _packets = new();

            public void Send(long at, FlowDirection direction, int bytes)
            {
                Assert.True(rig.H.Module.Ipv4Connections.Record(direction, protocol, Local, localPort, remote, remotePort, bytes));
                _packets.Add((at, direction, bytes));
            }

            public FlowItem[] Reported(IEnumerable<FlowItem> items) =>
                items.Where(i => i.RemoteAddress == SendingCadenceTests.Ipv4Text(remote) && i.RemotePort == remotePort.ToString()).ToArray();

            /// <summary>
            /// The flow is one item per drain, holding exactly the packets recorded since the
            /// previous drain (or since <paramref name="since"/>) and before this one.
            /// </summary>
            public void AssertReportedOncePerDrain(IEnumerable<FlowItem> items, long since, long[] drains)
            {
                FlowItem[] mine = Reported(items);
                Assert.Equal(drains, mine.Select(i => i.QueuedAt));
                long from = since;
                for (int k = 0; k < drains.Length; k++)
                {
                    var window = _packets.Where(p => p.At >= from && p.At < drains[k]).ToArray();
                    ulong bytesIn = (ulong)window.Where(p => p.Direction == FlowDirection.In).Sum(p => (long)p.Bytes);
                    ulong bytesOut = (ulong)window.Where(p => p.Direction == FlowDirection.Out).Sum(p => (long)p.Bytes);
                    Assert.Equal((bytesIn, bytesOut, (uint)window.Length), (mine[k].BytesIn, mine[k].BytesOut, mine[k].Hits));
                    Assert.Equal(SendingCadenceTests.Ipv4Text(Local), mine[k].LocalAddress);
                    Assert.Equal(localPort.ToString(), mine[k].LocalPort);
                    Assert.Equal(protocol == TransportProtocol.Tcp ? "TCP" : "UDP", mine[k].Protocol);
                    from = drains[k];
                }
            }
        }
    }
}
