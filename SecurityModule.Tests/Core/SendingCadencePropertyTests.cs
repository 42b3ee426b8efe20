using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// Random agent configurations (frequencies, snapshots, event priorities, aggregation, message
    /// size) and random traffic (IPv4 and IPv6 flows over a few simulated hours, with bursts past
    /// the caches' capacity, multicast that the filter ignores, twin patches the parser rejects),
    /// run through the real module on fake clocks with <see cref="CadenceRig"/>, which ticks the
    /// engine exactly when it asks and stamps every message with the monotonic time it was written.
    /// Every run is checked against the documented invariants:
    /// <list type="number">
    /// <item>every message is schema-valid (<see cref="CapturingSink"/>) and fits the message size in force;</item>
    /// <item>no event waits longer than its priority's frequency after it was collected;</item>
    /// <item>a message that is not full goes out exactly when its most urgent event's frequency runs out;</item>
    /// <item>every packet Record counted is reported: per flow, bytes in, bytes out and hits add up exactly;</item>
    /// <item>refusals by a full cache are counted in DroppedEventsStatistics (at least one per distinct refused-flow bit, at most one per refused packet), and nothing else is;</item>
    /// <item>an event type whose priority is Off never appears (SystemInformation Off: no heartbeat either).</item>
    /// </list>
    /// Also: snapshots come once per snapshotFrequency on their group's schedule, at most one
    /// heartbeat per message, messages and events leave in order, every error of a rejected twin
    /// patch is reported, multicast the filter ignores is never counted.
    /// <para>Each message is validated against Microsoft's schema as it arrives, which costs about a
    /// millisecond per flow item and is most of the run time: the runs are sized to keep both
    /// properties to a dozen seconds or so. A failure prints the scenario and a CsCheck seed; rerun
    /// with <c>-e CsCheck_Seed=…</c> (or <c>seed:</c>), and a larger <c>iter</c> to shrink further.</para>
    /// </summary>
    public class SendingCadencePropertyTests
    {
        private const long Second = 1000;
        private const long Minute = 60 * Second;
        private const string ConfigurationObject = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        // Flows are numbered 0..FlowSpace-1 per address family; the first few are the "hot" ones a
        // device talks to all day, the others come and go.
        private const int FlowSpace = 1024;
        private const int HotFlows = 8;

        private static readonly long[] Frequencies = { 0, 1, 10, 45, 300, 420, 1800, 3600, 7200, 18000 };

        private static readonly long[] AggregationIntervals = { 1, 10, 30, 120, 600, 1800, 3600 };

        private static readonly uint[] Ipv4Locals = { 0xC0A80114, 0x0A000007 };
        private static readonly byte[][] Ipv6Locals = { IPAddress.Parse("2001:db8::20").GetAddressBytes(), IPAddress.Parse("fe80::20").GetAddressBytes() };
        private static readonly byte[] Ipv6Multicast = IPAddress.Parse("ff02::fb").GetAddressBytes();
        private const uint Ipv4Multicast = 0xE00000FB;

        private static readonly Gen<EventPriority> Priority =
            Gen.Frequency((3, EventPriority.High), (3, EventPriority.Low), (1, EventPriority.Off));

        // What must be reported needs a priority: the traffic property keeps flows and drops on.
        private static readonly Gen<EventPriority> On = Gen.OneOf(EventPriority.High, EventPriority.Low);

        // Flows a cache table holds (64 by default; both families have the same in this build).
        private static readonly int Capacity = Math.Max(8, AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache);

        // New flows in a large burst: anything up to two tables' worth and a bit, often just around one
        // table (refused without aggregation) or two (refused with aggregation).
        private static readonly Gen<int> LargeBurstFlows = Gen.Frequency(
            (2, Gen.Int[20, 2 * Capacity + 8]), (1, Gen.Int[Capacity - 2, Capacity + 4]), (1, Gen.Int[2 * Capacity - 2, 2 * Capacity + 4]));

        private static readonly Gen<BurstKind> Kinds = Gen.Frequency((24, BurstKind.Flows), (2, BurstKind.Multicast), (1, BurstKind.TwinError));

        private readonly ITestOutputHelper _output;

        public SendingCadencePropertyTests(ITestOutputHelper output)
        {
            _output = output;
        }

        private enum BurstKind
        {
            Flows,
            Multicast,
            TwinError,
        }

        /// <summary>Mostly light traffic: the cadence invariants over many configurations, Off included.</summary>
        [Fact]
        public void RandomCadencesSendEveryEventInTimeInValidMessages()
        {
            const int Runs = 200;
            var tally = new Tally();
            Scenarios(Cadences(Priority, Priority), maxBursts: 5, largeBurstPercent: 5)
                .Sample(s => Check(s, tally), iter: Runs, print: s => s.ToString());
            _output.WriteLine(tally.ToString());
            Assert.Equal(Runs, tally.Runs);
            Assert.True(tally.OnTime > Runs, tally.ToString());
            Assert.True(tally.WithOff > Runs / 5, tally.ToString());
        }

        /// <summary>Heavier traffic with bursts past the caches' capacity: conservation and drop accounting.</summary>
        [Fact]
        public void RandomTrafficIsReportedExactlyAndEveryRefusalIsCounted()
        {
            const int Runs = 200;
            var tally = new Tally();
            Scenarios(Cadences(On, On), maxBursts: 4, largeBurstPercent: 12)
                .Sample(s => Check(s, tally), iter: Runs, print: s => s.ToString());
            _output.WriteLine(tally.ToString());
            Assert.Equal(Runs, tally.Runs);
            Assert.True(tally.WithRefusals > 1, tally.ToString());
            Assert.True(tally.WithFullMessages > Runs / 10, tally.ToString());
        }

        /// <summary>Frequencies (high at most low), snapshots, priorities (those of ConnectionCreate and DroppedEventsStatistics from the given generators), aggregation, message size.</summary>
        private static Gen<Cadence> Cadences(Gen<EventPriority> connectionCreate, Gen<EventPriority> droppedEvents) =>
            from high in Gen.Int[0, Frequencies.Length - 1]
            from low in Gen.Int[high, Frequencies.Length - 1]
            from p in Gen.Select(connectionCreate, Priority, Priority, droppedEvents, Priority, Priority)
            from rest in Gen.Select(
                Gen.OneOf(0L, 30L, 60L, 600L, 3600L, 46800L),
                Gen.Bool,
                Gen.OneOf(AggregationIntervals),
                Gen.Frequency((4, AscPortConfig.MaxMessageSize), (1, 2048)),
                Gen.Bool)
            select new Cadence(
                Frequencies[high], Frequencies[low], rest.Item1,
                p.Item1, p.Item2, p.Item3, p.Item4, p.Item5, p.Item6,
                rest.Item2, rest.Item3, rest.Item4, rest.Item5);

        /// <summary>
        /// A configuration, a run of five minutes to six hours (<see cref="MaxMinutes"/>), up to
        /// <paramref name="maxBursts"/> bursts of one to three flows, and in
        /// <paramref name="largeBurstPercent"/> % of the runs a burst of many new flows at once
        /// (<see cref="LargeBurstFlows"/>); a third of those echo in the other address family while
        /// the next message is written, so that one cache may fill up while the collector writes
        /// what the other set aside. The aggregation interval is at most half the run, which ends
        /// with the next drain of the caches.
        /// </summary>
        private static Gen<Scenario> Scenarios(Gen<Cadence> cadences, int maxBursts, int largeBurstPercent) =>
            from cadence in cadences
            from minutes in Gen.Int[5, MaxMinutes(cadence)]
            let interval = Math.Min(cadence.AggregationInterval, AggregationIntervals.Last(i => i <= minutes * 30))
            from bursts in Bursts(minutes * Minute, Kinds, Gen.Int[1, 3]).Array[0, maxBursts]
            from roll in Gen.Int[0, 99]
            from large in Bursts(minutes * Minute, Gen.Const(BurstKind.Flows), LargeBurstFlows)
            from echo in Gen.Int[0, 2]
            select new Scenario(
                cadence with { AggregationInterval = interval },
                minutes * Minute,
                roll >= largeBurstPercent ? bursts
                    : echo > 0 ? bursts.Append(large).ToArray()
                    : bursts.Append(large with { DuringWrite = false }).Append(large with { V6 = !large.V6, DuringWrite = true }).ToArray());

        /// <summary>
        /// Keeps the number of messages of a run bounded (each is validated against the schema,
        /// about a millisecond per flow item): about six deadlines of the shortest frequency in use
        /// and forty snapshots (a long frequency fills messages with them), at least five minutes,
        /// at most six hours.
        /// </summary>
        private static int MaxMinutes(Cadence cadence) =>
            (int)Math.Clamp(Math.Min(6 * (cadence.Shortest + 60), 40 * Math.Max(cadence.Snapshot, 30)) / 60, 5, 360);

        private static Gen<Burst> Bursts(long duration, Gen<BurstKind> kinds, Gen<int> flows) =>
            Gen.Select(
                Gen.Long[0, duration],
                kinds,
                Gen.Bool,
                Gen.Frequency((1, Gen.Int[0, HotFlows - 1]), (1, Gen.Int[0, FlowSpace - 1])),
                flows,
                Gen.Int[1, 3],
                Gen.Int[0, 1500],
                Gen.Frequency((3, false), (1, true)),
                (at, kind, v6, first, flows, packets, bytes, duringWrite) => new Burst(at, kind, v6, first, flows, packets, bytes, duringWrite && kind != BurstKind.TwinError));

        private static void Check(Scenario s, Tally tally)
        {
            AgentConfiguration configuration = s.Cadence.ToConfiguration();
            var rig = new CadenceRig(configuration, new FixedSystemInformation(), new FixedListeningPorts());
            var ledger = new Ledger(configuration.EventPriorityConnectionCreate == EventPriority.Off);

            // Packets come on other threads while the collector writes: a burst marked DuringWrite
            // is recorded when the next message is written, inside the collection that wrote it.
            var armed = new List<Burst>();
            rig.OnWritten = (body, length) =>
            {
                if (s.Cadence.ReportDeliveries)
                {
                    // The application reports every delivery, so MessageStatistics events come too.
                    rig.H.Module.ReportMessageSent(length);
                }

                Burst[] due = armed.ToArray();
                armed.Clear();
                foreach (Burst burst in due)
                {
                    Send(rig.H.Module, burst, ledger);
                }
            };

            long start = rig.Now;
            int version = 1;
            foreach (Burst burst in s.Bursts.OrderBy(b => b.At))
            {
                rig.RunUntil(start + burst.At);
                switch (burst.Kind)
                {
                    case BurstKind.TwinError:
                        byte[] patch = Encoding.UTF8.GetBytes(
                            "{\"" + ConfigurationObject + "\":{\"eventPriorityListeningPorts\":{\"value\":\"Sometimes\"}},\"$version\":" + ++version + "}");
                        Assert.False(rig.H.Module.ApplyTwin(patch, 0, patch.Length, isFullTwin: false));
                        ledger.TwinErrors++;
                        break;
                    default:
                        if (burst.DuringWrite)
                        {
                            armed.Add(burst);
                        }
                        else
                        {
                            Send(rig.H.Module, burst, ledger);
                        }

                        break;
                }
            }

            // The traffic ends; the next drain of the caches comes at the first high priority
            // collection an aggregation interval after the last one (at the next one without
            // aggregation), so within one interval and one high priority period.
            long trafficEnd = start + s.Duration;
            rig.RunUntil(trafficEnd);
            foreach (Burst burst in armed)
            {
                Send(rig.H.Module, burst, ledger);
            }

            armed.Clear();
            long aggregation = configuration.AggregationEnabledConnectionCreate ? configuration.AggregationIntervalConnectionCreate * Second : 0;
            rig.RunUntil(trafficEnd + aggregation + AscPortConfig.HighPriorityInterval * Second);

            // Stop sends the open message (the only one that is not sent on its deadline).
            long end = rig.Now;
            int beforeStop = rig.H.Sink.Messages.Count;
            rig.H.Engine.Stop();
            IReadOnlyList<SentMessage> sent = rig.Sent;
            bool stopSentOne = sent.Count > beforeStop;

            AssertSizes(sent, configuration);
            AssertOffNeverAppears(sent, configuration);
            CadenceRig.AssertSentWithinFrequency(sent, configuration);
            int full = AssertSentOnTime(sent, stopSentOne ? sent.Count - 1 : sent.Count, configuration, out int onTime);
            AssertEventsLeaveInOrder(sent);
            AssertSnapshotsOnSchedule(sent, "ListeningPorts", configuration, AscPortConfig.MediumPriorityInterval * Second, rig.FirstCollection, end);
            AssertSnapshotsOnSchedule(sent, "SystemInformation", configuration, AscPortConfig.LowPriorityInterval * Second, rig.FirstCollection, end);
            int items = AssertFlowsConserved(sent, ledger);
            AssertDropsCounted(sent, configuration, ledger);
            AssertConfigurationErrorsReported(sent, configuration, ledger);

            tally.Add(ledger, sent.Count, full, onTime, items, s.Cadence.HasOff);
        }

        /// <summary>Records the packets of one burst, keeping what Record said of each in the ledger.</summary>
        private static void Send(SecurityModule module, Burst burst, Ledger ledger)
        {
            bool multicast = burst.Kind == BurstKind.Multicast;
            for (int j = 0; j < burst.Flows; j++)
            {
                int n = (burst.FirstFlow + j) % FlowSpace;
                for (int k = 0; k < burst.Packets; k++)
                {
                    // Inbound to a group address is ignored by the unicast filter, so multicast is only sent In.
                    FlowDirection direction = multicast || (n + k + burst.At) % 3 == 0 ? FlowDirection.In : FlowDirection.Out;
                    int bytes = burst.Bytes + (n * 31 + k * 7) % 200;
                    Flow flow = burst.V6 ? Flow.Ipv6(n, multicast) : Flow.Ipv4(n, multicast);
                    bool counted = burst.V6
                        ? module.Ipv6Connections.Record(direction, flow.Protocol, flow.Local, 0, flow.LocalPort, flow.Remote, 0, flow.RemotePort, bytes)
                        : module.Ipv4Connections.Record(direction, flow.Protocol, flow.Local4, flow.LocalPort, flow.Remote4, flow.RemotePort, bytes);
                    ledger.Recorded(flow, direction, bytes, counted, multicast);
                }
            }
        }

        /// <summary>1. Every message fits the size in force, which never exceeds what was compiled in (validity: <see cref="CapturingSink"/>).</summary>
        private static void AssertSizes(IReadOnlyList<SentMessage> sent, AgentConfiguration configuration)
        {
            foreach (SentMessage m in sent)
            {
                Assert.True(m.Length <= configuration.MaxMessageSizeInBytes, $"a message of {m.Length} bytes, over {configuration.MaxMessageSizeInBytes}");
                Assert.True(m.Length <= AscPortConfig.MaxMessageSize, $"a message of {m.Length} bytes, over ASC_MAX_MESSAGE_SIZE");
                Assert.True(m.Heartbeats <= 1, $"{m.Heartbeats} heartbeats in the message sent at {m.At}");
            }
        }

        /// <summary>6. An event type whose priority is Off never appears; SystemInformation Off means no heartbeat either.</summary>
        private static void AssertOffNeverAppears(IReadOnlyList<SentMessage> sent, AgentConfiguration configuration)
        {
            foreach (SentEvent e in sent.SelectMany(m => m.Events))
            {
                Assert.True(PriorityOf(configuration, e.Name) != EventPriority.Off, $"a{(e.IsEmpty ? "n empty" : string.Empty)} {e.Name} event at {e.QueuedAt}, whose priority is Off");
            }
        }

        /// <summary>
        /// 3. A message that is not full went out exactly when the frequency of its most urgent event
        /// ran out; a full one no later (<see cref="CadenceRig.AssertSentOnTime"/>, with "full" made
        /// exact). A message goes out full when the next event header or payload item did not fit;
        /// that header or item then opens the next message, written in the same collection. So a
        /// message was full only if the next one starts with an event collected when it went out,
        /// and its length plus that event's header and first item (raw JSON, as written) and the
        /// closing brackets and comma exceed the limit: L + header + item + 3 &gt; size.
        /// </summary>
        /// <param name="sent">Every message, the one Stop sent included.</param>
        /// <param name="onDeadline">How many of the first messages were sent by the engine (not by Stop).</param>
        /// <param name="configuration">The configuration in force.</param>
        /// <param name="onTime">Set to the number of messages that were not full.</param>
        /// <returns>How many messages were full.</returns>
        private static int AssertSentOnTime(IReadOnlyList<SentMessage> sent, int onDeadline, AgentConfiguration configuration, out int onTime)
        {
            int full = 0;
            onTime = 0;
            for (int i = 0; i < onDeadline; i++)
            {
                SentMessage m = sent[i];
                long due = m.Events.Min(e => e.QueuedAt + CadenceRig.Frequency(configuration, e.Name) * Second);
                string what = $"a message of {m.Length} bytes with {string.Join(",", m.Events.Select(e => e.Name + "@" + e.QueuedAt))} went out at {m.At}, due {due}";
                if (i + 1 < sent.Count && sent[i + 1].Events[0].QueuedAt == m.At
                    && m.Length + HeaderAndFirstItem(sent[i + 1].Events[0]) + 3 > configuration.MaxMessageSizeInBytes)
                {
                    full++;
                    Assert.True(m.At <= due, "full: " + what);
                }
                else
                {
                    onTime++;
                    Assert.True(m.At == due, "not full: " + what);
                }
            }

            return full;
        }

        /// <summary>Bytes of an event's header (up to its payload's '[', or the whole of an empty event) and of its first payload item.</summary>
        private static int HeaderAndFirstItem(SentEvent e)
        {
            string raw = e.Json.GetRawText();
            if (e.IsEmpty)
            {
                return raw.Length;
            }

            const string Payload = "\"Payload\":[";
            int header = raw.IndexOf(Payload, StringComparison.Ordinal) + Payload.Length;
            return header + e.Json.GetProperty("Payload")[0].GetRawText().Length;
        }

        /// <summary>Messages go out in order, and events leave in the order they were collected.</summary>
        private static void AssertEventsLeaveInOrder(IReadOnlyList<SentMessage> sent)
        {
            long at = long.MinValue;
            long queued = long.MinValue;
            foreach (SentMessage m in sent)
            {
                Assert.True(m.At >= at, $"a message went out at {m.At}, after one at {at}");
                at = m.At;
                foreach (SentEvent e in m.Events)
                {
                    Assert.True(e.QueuedAt >= queued, $"a {e.Name} collected at {e.QueuedAt} went out after an event collected at {queued}");
                    queued = e.QueuedAt;
                }
            }
        }

        /// <summary>
        /// Snapshots (ListeningPorts, SystemInformation that is not a heartbeat) are taken at the first
        /// collection, then at the first run of their group once <c>snapshotFrequency</c> has passed
        /// (at every run for 0): their group runs every <paramref name="groupInterval"/> from the
        /// first collection, so one snapshot every whole number of intervals, none missed until the
        /// run ends, none while their priority is Off. A snapshot split over two messages counts once.
        /// </summary>
        private static void AssertSnapshotsOnSchedule(IReadOnlyList<SentMessage> sent, string name, AgentConfiguration configuration, long groupInterval, long first, long end)
        {
            long[] taken = sent.SelectMany(m => m.Events).Where(e => e.Name == name && !e.IsEmpty).Select(e => e.QueuedAt).Distinct().ToArray();
            var expected = new List<long>();
            if (PriorityOf(configuration, name) != EventPriority.Off)
            {
                long period = groupInterval * Math.Max(1, (configuration.SnapshotFrequency * Second + groupInterval - 1) / groupInterval);
                for (long t = first; t <= end; t += period)
                {
                    expected.Add(t);
                }
            }

            Assert.True(
                expected.SequenceEqual(taken),
                $"{name} snapshots at {string.Join(",", taken)}, expected at {string.Join(",", expected)} (every {configuration.SnapshotFrequency} s, group every {groupInterval} ms)");
        }

        /// <summary>
        /// 4. Per flow, the bytes in, bytes out and hits of all its ConnectionCreate payload items add
        /// up to exactly what Record counted (returned true for); every item's Direction is one its
        /// packets had.
        /// </summary>
        /// <returns>The number of payload items.</returns>
        private static int AssertFlowsConserved(IReadOnlyList<SentMessage> sent, Ledger ledger)
        {
            var reported = new Dictionary<string, Totals>();
            int items = 0;
            foreach (SentEvent e in sent.SelectMany(m => m.Events).Where(e => e.Name == "ConnectionCreate"))
            {
                foreach (JsonElement i in e.Json.GetProperty("Payload").EnumerateArray())
                {
                    items++;
                    string key = Flow.KeyOf(
                        i.GetProperty("Protocol").GetString(),
                        IPAddress.Parse(i.GetProperty("LocalAddress").GetString()),
                        i.GetProperty("LocalPort").GetString(),
                        IPAddress.Parse(i.GetProperty("RemoteAddress").GetString()),
                        i.GetProperty("RemotePort").GetString());
                    JsonElement details = i.GetProperty("ExtraDetails");
                    Totals totals = reported.TryGetValue(key, out Totals t) ? t : new Totals();
                    totals.BytesIn += ulong.Parse(details.GetProperty("BytesIn").GetString(), CultureInfo.InvariantCulture);
                    totals.BytesOut += ulong.Parse(details.GetProperty("BytesOut").GetString(), CultureInfo.InvariantCulture);
                    totals.Hits += ulong.Parse(details.GetProperty("HitCount").GetString(), CultureInfo.InvariantCulture);
                    reported[key] = totals;

                    string direction = i.GetProperty("Direction").GetString();
                    Assert.True(ledger.Counted.TryGetValue(key, out Totals counted), $"{key} reported at {e.QueuedAt}, but Record counted no packet of it");
                    Assert.True(
                        (direction == "In" && counted.In) || (direction == "Out" && counted.Out),
                        $"{key} reported at {e.QueuedAt} with Direction {direction}, which none of its packets had");
                }
            }

            foreach (KeyValuePair<string, Totals> flow in ledger.Counted)
            {
                Totals got = reported.TryGetValue(flow.Key, out Totals t) ? t : new Totals();
                Assert.True(
                    got.BytesIn == flow.Value.BytesIn && got.BytesOut == flow.Value.BytesOut && got.Hits == flow.Value.Hits,
                    $"{flow.Key}: Record counted in/out/hits {flow.Value}, the messages reported {got}");
            }

            Assert.Equal(ledger.Counted.Count, reported.Count);
            return items;
        }

        /// <summary>
        /// 5. Flows refused by a full cache are counted as dropped in the High queue: at most one
        /// per refused packet (a flow counts once per table it was refused by, and flows whose
        /// fingerprints collide count once: FlowTable.DroppedFlows is a lower bound of the distinct
        /// flows), and at least one per distinct fingerprint bit the refused flows set over the
        /// run (so at least one when anything was refused); none when nothing was refused:
        /// packets the filter ignores, or that Record turns away while ConnectionCreate is Off,
        /// are no drops. Nothing else is lost (the Low queue drops nothing).
        /// </summary>
        private static void AssertDropsCounted(IReadOnlyList<SentMessage> sent, AgentConfiguration configuration, Ledger ledger)
        {
            if (configuration.EventPriorityDroppedEventsStatistics == EventPriority.Off)
            {
                return;
            }

            long high = 0;
            long low = 0;
            foreach (SentEvent e in sent.SelectMany(m => m.Events).Where(e => e.Name == "DroppedEventsStatistics"))
            {
                foreach (JsonElement queue in e.Json.GetProperty("Payload").EnumerateArray())
                {
                    long dropped = queue.GetProperty("DroppedEvents").GetInt64();
                    switch (queue.GetProperty("Queue").GetString())
                    {
                        case "High":
                            high += dropped;
                            break;
                        default:
                            low += dropped;
                            break;
                    }
                }
            }

            Assert.True(low == 0, $"{low} Low events dropped");
            if (ledger.Refused == 0)
            {
                Assert.True(high == 0, $"nothing was refused ({ledger.Ignored} ignored by the filter, {ledger.WhileOff} while Off), yet {high} High events dropped");
            }
            else
            {
                Assert.True(
                    high >= ledger.RefusedSlots.Count && high <= ledger.Refused,
                    $"{ledger.Refused} packets refused ({ledger.RefusedSlots.Count} distinct refused-flow bits), {high} High events reported dropped");
            }
        }

        /// <summary>Every error of a rejected twin patch is reported, as a payload item or in DroppedConfigurationErrors, unless ConfigurationError is Off.</summary>
        private static void AssertConfigurationErrorsReported(IReadOnlyList<SentMessage> sent, AgentConfiguration configuration, Ledger ledger)
        {
            if (configuration.EventPriorityConfigurationError == EventPriority.Off)
            {
                return;
            }

            long reported = 0;
            foreach (SentEvent e in sent.SelectMany(m => m.Events).Where(e => e.Name == "ConfigurationError"))
            {
                foreach (JsonElement item in e.Json.GetProperty("Payload").EnumerateArray())
                {
                    reported++;
                    if (item.TryGetProperty("ExtraDetails", out JsonElement details))
                    {
                        reported += long.Parse(details.GetProperty("DroppedConfigurationErrors").GetString(), CultureInfo.InvariantCulture);
                    }
                }
            }

            Assert.Equal(ledger.TwinErrors, reported);
        }

        private static EventPriority PriorityOf(AgentConfiguration configuration, string name) => name switch
        {
            "ConnectionCreate" => configuration.EventPriorityConnectionCreate,
            "ListeningPorts" => configuration.EventPriorityListeningPorts,
            "SystemInformation" => configuration.EventPrioritySystemInformation,
            "DroppedEventsStatistics" => configuration.EventPriorityDroppedEventsStatistics,
            "MessageStatistics" => configuration.EventPriorityMessageStatistics,
            "ConfigurationError" => configuration.EventPriorityConfigurationError,
            _ => throw new ArgumentException("unexpected event " + name),
        };

        private static string Name(EventPriority priority) => priority switch
        {
            EventPriority.High => "H",
            EventPriority.Low => "L",
            _ => "-",
        };

        /// <summary>An agent configuration: frequencies and intervals in seconds; priorities of ConnectionCreate, ListeningPorts, SystemInformation, DroppedEventsStatistics, MessageStatistics, ConfigurationError.</summary>
        private sealed record Cadence(
            long High,
            long Low,
            long Snapshot,
            EventPriority ConnectionCreate,
            EventPriority ListeningPorts,
            EventPriority SystemInformation,
            EventPriority DroppedEventsStatistics,
            EventPriority MessageStatistics,
            EventPriority ConfigurationError,
            bool Aggregation,
            long AggregationInterval,
            int MaxMessageSize,
            bool ReportDeliveries)
        {
            /// <summary>Seconds: the frequency of the most urgent priority in use.</summary>
            public long Shortest => new[] { ConnectionCreate, ListeningPorts, SystemInformation, DroppedEventsStatistics, MessageStatistics, ConfigurationError }.Contains(EventPriority.High) ? High : Low;

            public bool HasOff => new[] { ConnectionCreate, ListeningPorts, SystemInformation, DroppedEventsStatistics, MessageStatistics, ConfigurationError }.Contains(EventPriority.Off);

            public AgentConfiguration ToConfiguration()
            {
                AgentConfiguration configuration = AgentConfiguration.Defaults();
                configuration.HighPriorityMessageFrequency = High;
                configuration.LowPriorityMessageFrequency = Low;
                configuration.SnapshotFrequency = Snapshot;
                configuration.EventPriorityConnectionCreate = ConnectionCreate;
                configuration.EventPriorityListeningPorts = ListeningPorts;
                configuration.EventPrioritySystemInformation = SystemInformation;
                configuration.EventPriorityDroppedEventsStatistics = DroppedEventsStatistics;
                configuration.EventPriorityMessageStatistics = MessageStatistics;
                configuration.EventPriorityConfigurationError = ConfigurationError;
                configuration.AggregationEnabledConnectionCreate = Aggregation;
                configuration.AggregationIntervalConnectionCreate = AggregationInterval;
                configuration.MaxMessageSizeInBytes = MaxMessageSize;
                return configuration;
            }

            public override string ToString() =>
                $"high {High}s low {Low}s snapshot {Snapshot}s priorities CC/LP/SI/DES/MS/CE {Name(ConnectionCreate)}{Name(ListeningPorts)}{Name(SystemInformation)}"
                + $"{Name(DroppedEventsStatistics)}{Name(MessageStatistics)}{Name(ConfigurationError)} aggregation {(Aggregation ? AggregationInterval + "s" : "off")}"
                + $" max {MaxMessageSize} B{(ReportDeliveries ? " deliveries reported" : string.Empty)}";
        }

        /// <summary>
        /// At <see cref="At"/> ms after the start (or, <see cref="DuringWrite"/>, when the next
        /// message is written after that): <see cref="Flows"/> consecutive flows from
        /// <see cref="FirstFlow"/>, <see cref="Packets"/> packets each (multicast: inbound to a group
        /// address), or a twin patch the parser rejects.
        /// </summary>
        private sealed record Burst(long At, BurstKind Kind, bool V6, int FirstFlow, int Flows, int Packets, int Bytes, bool DuringWrite)
        {
            public override string ToString() => Kind == BurstKind.TwinError
                ? $"{At / (double)Second}s twin error"
                : $"{At / (double)Second}s {(DuringWrite ? "(at the next write) " : string.Empty)}{(Kind == BurstKind.Multicast ? "multicast " : string.Empty)}"
                    + $"{(V6 ? "v6" : "v4")} flows {FirstFlow}+{Flows} x{Packets} {Bytes}B";
        }

        private sealed record Scenario(Cadence Cadence, long Duration, Burst[] Bursts)
        {
            public override string ToString() =>
                $"{Cadence}; {Duration / Minute} min; {Bursts.Length} bursts: {string.Join(", ", Bursts.OrderBy(b => b.At))}";
        }

        /// <summary>The ends of flow n of a family: protocol, addresses, ports.</summary>
        private sealed class Flow
        {
            // Built once: a run records thousands of packets.
            private static readonly Flow[] Ipv4Flows = Enumerable.Range(0, FlowSpace).Select(n => MakeIpv4(n, false)).ToArray();
            private static readonly Flow[] Ipv4Multicasts = Enumerable.Range(0, FlowSpace).Select(n => MakeIpv4(n, true)).ToArray();
            private static readonly Flow[] Ipv6Flows = Enumerable.Range(0, FlowSpace).Select(n => MakeIpv6(n, false)).ToArray();
            private static readonly Flow[] Ipv6Multicasts = Enumerable.Range(0, FlowSpace).Select(n => MakeIpv6(n, true)).ToArray();

            public TransportProtocol Protocol { get; private init; }

            public byte[] Local { get; private init; }

            public byte[] Remote { get; private init; }

            public uint Local4 { get; private init; }

            public uint Remote4 { get; private init; }

            public ushort LocalPort { get; private init; }

            public ushort RemotePort { get; private init; }

            public string Key { get; private init; }

            /// <summary>The bit of its table's refused-flow map that the flow sets when refused (see FlowTable).</summary>
            public uint Slot { get; private init; }

            public bool V6 => Local.Length == 16;

            public static string KeyOf(string protocol, IPAddress local, string localPort, IPAddress remote, string remotePort) =>
                protocol + " " + local + " " + localPort + " " + remote + " " + remotePort;

            public static Flow Ipv4(int n, bool multicast) => (multicast ? Ipv4Multicasts : Ipv4Flows)[n];

            public static Flow Ipv6(int n, bool multicast) => (multicast ? Ipv6Multicasts : Ipv6Flows)[n];

            private static Flow MakeIpv4(int n, bool multicast)
            {
                uint local = multicast ? Ipv4Multicast : Ipv4Locals[n / 5 % Ipv4Locals.Length];
                uint remote = 0x0B000000u + (uint)n;
                return Make(n, local, remote, Bytes(local), Bytes(remote));
            }

            private static Flow MakeIpv6(int n, bool multicast)
            {
                byte[] local = multicast ? Ipv6Multicast : Ipv6Locals[n / 5 % Ipv6Locals.Length];

                // Every seventh remote has no zero group: the longest text an address has.
                byte[] remote = n % 7 == 0
                    ? IPAddress.Parse("2001:db8:1234:5678:9abc:def0:fedc:1").GetAddressBytes()
                    : IPAddress.Parse("2001:db8:ffff::").GetAddressBytes();
                remote[14] = (byte)(n >> 8);
                remote[15] = (byte)(n + 1);
                return Make(n, 0, 0, local, remote);
            }

            private static Flow Make(int n, uint local4, uint remote4, byte[] local, byte[] remote)
            {
                // Two in five are ICMP or UDP; ICMP has no ports.
                TransportProtocol protocol = (n % 5) switch
                {
                    3 => TransportProtocol.Udp,
                    4 => TransportProtocol.Icmp,
                    _ => TransportProtocol.Tcp,
                };
                ushort[] services = { 443, 8883, 53, 123 };
                ushort localPort = protocol == TransportProtocol.Icmp ? (ushort)0 : (ushort)(40000 + n);
                ushort remotePort = protocol == TransportProtocol.Icmp ? (ushort)0 : services[n % services.Length];
                uint hash = local.Length == 4
                    ? Ipv4FlowTable.Hash(protocol, local4, localPort, remote4, remotePort)
                    : Ipv6FlowTable.Hash(
                        protocol,
                        Word(local, 0), Word(local, 4), Word(local, 8), Word(local, 12), localPort,
                        Word(remote, 0), Word(remote, 4), Word(remote, 8), Word(remote, 12), remotePort);
                int capacity = local.Length == 4
                    ? AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache
                    : AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache;
                return new Flow
                {
                    Protocol = protocol,
                    Local = local,
                    Remote = remote,
                    Local4 = local4,
                    Remote4 = remote4,
                    LocalPort = localPort,
                    RemotePort = remotePort,
                    Slot = FlowTable.FingerprintSlot(hash, FlowTable.BucketCount(capacity)),
                    Key = KeyOf(
                        protocol == TransportProtocol.Tcp ? "TCP" : protocol == TransportProtocol.Udp ? "UDP" : "ICMP",
                        new IPAddress(local),
                        localPort.ToString(CultureInfo.InvariantCulture),
                        new IPAddress(remote),
                        remotePort.ToString(CultureInfo.InvariantCulture)),
                };
            }

            private static uint Word(byte[] address, int offset) => BinaryPrimitives.ReadUInt32BigEndian(address.AsSpan(offset));

            private static byte[] Bytes(uint address) => new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address };
        }

        private sealed class Totals
        {
            public ulong BytesIn { get; set; }

            public ulong BytesOut { get; set; }

            public ulong Hits { get; set; }

            public bool In { get; set; }

            public bool Out { get; set; }

            public override string ToString() => $"{BytesIn}/{BytesOut}/{Hits}";
        }

        /// <summary>What Record said of every packet of a run.</summary>
        private sealed class Ledger(bool connectionCreateOff)
        {
            /// <summary>Per flow key, the packets Record counted.</summary>
            public Dictionary<string, Totals> Counted { get; } = new Dictionary<string, Totals>();

            /// <summary>Packets refused by a full cache.</summary>
            public long Refused { get; private set; }

            /// <summary>
            /// The refused-flow bits the refusals set, per family. A table counts a refused flow once
            /// per bit, so the tables that refused them counted at least as many drops as there are
            /// distinct bits over the whole run.
            /// </summary>
            public HashSet<(bool V6, uint Slot)> RefusedSlots { get; } = new HashSet<(bool V6, uint Slot)>();

            /// <summary>Inbound packets to a group address, which the unicast filter ignores.</summary>
            public long Ignored { get; private set; }

            /// <summary>Packets turned away because ConnectionCreate is Off.</summary>
            public long WhileOff { get; private set; }

            public long TwinErrors { get; set; }

            public void Recorded(Flow flow, FlowDirection direction, int bytes, bool counted, bool multicast)
            {
                if (multicast)
                {
                    Assert.False(counted, $"an inbound multicast packet of {flow.Key} was counted");
                    Ignored++;
                    return;
                }

                if (connectionCreateOff)
                {
                    Assert.False(counted, $"a packet of {flow.Key} was counted while ConnectionCreate is Off");
                    WhileOff++;
                    return;
                }

                if (!counted)
                {
                    Refused++;
                    RefusedSlots.Add((flow.V6, flow.Slot));
                    return;
                }

                string key = flow.Key;
                if (!Counted.TryGetValue(key, out Totals totals))
                {
                    totals = new Totals();
                    Counted.Add(key, totals);
                }

                if (direction == FlowDirection.In)
                {
                    totals.BytesIn += (ulong)bytes;
                    totals.In = true;
                }
                else
                {
                    totals.BytesOut += (ulong)bytes;
                    totals.Out = true;
                }

                totals.Hits++;
            }
        }

        /// <summary>How often the interesting cases came up (Sample runs on several threads).</summary>
        private sealed class Tally
        {
            private int _runs;
            private int _withRefusals;
            private int _withFullMessages;
            private int _withOff;
            private long _onTime;
            private long _flowItems;
            private long _refused;
            private long _messages;

            public int Runs => _runs;

            public int WithRefusals => _withRefusals;

            public int WithFullMessages => _withFullMessages;

            public int WithOff => _withOff;

            public long OnTime => Interlocked.Read(ref _onTime);

            public long FlowItems => Interlocked.Read(ref _flowItems);

            public void Add(Ledger ledger, int messages, int full, int onTime, int items, bool withOff)
            {
                Interlocked.Increment(ref _runs);
                Interlocked.Add(ref _messages, messages);
                if (ledger.Refused > 0)
                {
                    Interlocked.Increment(ref _withRefusals);
                }

                if (full > 0)
                {
                    Interlocked.Increment(ref _withFullMessages);
                }

                if (withOff)
                {
                    Interlocked.Increment(ref _withOff);
                }

                Interlocked.Add(ref _onTime, onTime);
                Interlocked.Add(ref _flowItems, items);
                Interlocked.Add(ref _refused, ledger.Refused);
            }

            public override string ToString() =>
                $"{Runs} runs, {Interlocked.Read(ref _messages)} messages: {WithRefusals} with refusals ({Interlocked.Read(ref _refused)} packets), {WithFullMessages} with full messages, {WithOff} with an Off type; "
                + $"{OnTime} messages sent on their deadline, {FlowItems} flow items";
        }
    }
}
