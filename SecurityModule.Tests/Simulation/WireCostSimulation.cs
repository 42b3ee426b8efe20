using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace NanoSecurity.Tests.Simulation
{
    /// <summary>Bytes and packets, by direction.</summary>
    internal struct TrafficTotals
    {
        internal ulong BytesIn;
        internal ulong BytesOut;
        internal ulong Packets;

        internal void Add(FlowDirection direction, int bytes)
        {
            if (direction == FlowDirection.In)
            {
                BytesIn += (ulong)bytes;
            }
            else
            {
                BytesOut += (ulong)bytes;
            }

            Packets++;
        }

        public override string ToString() => $"{Packets} packets, {BytesIn} B in, {BytesOut} B out";
    }

    /// <summary>What the runner fed the module and what the module refused, per address family.</summary>
    internal sealed class FamilyAccount
    {
        /// <summary>Every packet handed to Record.</summary>
        internal TrafficTotals Fed;

        /// <summary>Packets Record refused (a new flow while the cache was full).</summary>
        internal TrafficTotals Refused;

        /// <summary>
        /// Packets refused while a table set aside full still waited for the collector: with flow
        /// aggregation, the only time the cache may refuse (both tables busy). 0 without aggregation.
        /// </summary>
        internal TrafficTotals RefusedWithBothTablesBusy;

        /// <summary>
        /// (flow, table written) pairs that were counted: what the messages should list. Without
        /// aggregation a table is one collection interval; with it, one aggregation interval or
        /// the part of it that filled a table and was set aside.
        /// </summary>
        internal long FlowIntervalsCounted;

        /// <summary>Distinct refused flows, summed over the tables written: the true number of flows dropped.</summary>
        internal long FlowsRefused;

        /// <summary>
        /// The same, counted the way the module counts it (per table, the first
        /// ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_REFUSED_FLOWS distinct refused flows exactly, the
        /// rest by one bit of a hash fingerprint map each, FlowTable.Claim): what
        /// DroppedEventsStatistics should say.
        /// </summary>
        internal long FlowsRefusedByFingerprint;

        /// <summary>Tables that refused more distinct flows than the budget keeps: their count is a lower bound.</summary>
        internal long TablesBeyondRefusedBudget;

        /// <summary>
        /// Refused flows (per table) that had been counted in an earlier table: established
        /// connections that a burst of new flows kept out of the report.
        /// </summary>
        internal long EstablishedFlowsRefused;

        /// <summary>Full recording tables set aside for the next high priority collection (aggregation only).</summary>
        internal long TablesSetAside;

        /// <summary>Tables the collector wrote: drained ones and set-aside ones.</summary>
        internal long TablesWritten;

        /// <summary>Every packet handed to Record, per flow.</summary>
        internal Dictionary<FlowKey, TrafficTotals> FedByFlow { get; } = new Dictionary<FlowKey, TrafficTotals>();

        /// <summary>Packets Record refused, per flow.</summary>
        internal Dictionary<FlowKey, TrafficTotals> RefusedByFlow { get; } = new Dictionary<FlowKey, TrafficTotals>();
    }

    /// <summary>The outcome of one simulation: the messages and the accounting of what went in.</summary>
    internal sealed class WireCostRun
    {
        internal WireCostRun(ReferenceTrace trace, AgentConfiguration configuration, IReadOnlyList<byte[]> messages, FamilyAccount ipv4, FamilyAccount ipv6, long simulatedMs, int networkCollections)
        {
            Trace = trace;
            Configuration = configuration;
            Messages = messages;
            Ipv4 = ipv4;
            Ipv6 = ipv6;
            SimulatedMs = simulatedMs;
            NetworkCollections = networkCollections;
        }

        internal ReferenceTrace Trace { get; }

        /// <summary>The agent configuration the module ran with (a copy).</summary>
        internal AgentConfiguration Configuration { get; }

        /// <summary>Every message body the module handed to its sink, in order.</summary>
        internal IReadOnlyList<byte[]> Messages { get; }

        internal FamilyAccount Ipv4 { get; }

        internal FamilyAccount Ipv6 { get; }

        /// <summary>Monotonic time of the last collection: the trace plus the collection that drains its tail.</summary>
        internal long SimulatedMs { get; }

        /// <summary>Collections that included the network activity (high priority) group.</summary>
        internal int NetworkCollections { get; }

        /// <summary>Collections at which the recording tables were drained (every network collection without aggregation).</summary>
        internal int Drains { get; init; }

        /// <summary>
        /// Messages the open message still held once the trace was drained, sent by stopping the
        /// engine (with Microsoft's cadence they would have gone within lowPriorityMessageFrequency).
        /// </summary>
        internal long MessagesSentAtStop { get; init; }

        /// <summary>Messages handed to the sink (also when they were not kept).</summary>
        internal long MessageCount { get; init; }

        /// <summary>Bytes of those messages.</summary>
        internal long MessageBytes { get; init; }

        /// <summary>Managed bytes allocated on this thread inside Record calls (0 expected).</summary>
        internal long AllocatedByRecord { get; init; }

        /// <summary>The first Record calls that allocated: packet number, packet, bytes allocated.</summary>
        internal IReadOnlyList<string> RecordAllocations { get; init; }

        /// <summary>
        /// Managed bytes allocated on this thread inside the engine's ticks: collections, serialization,
        /// scheduling (only meaningful when the messages were not kept: keeping them allocates).
        /// </summary>
        internal long AllocatedByTicks { get; init; }
    }

    /// <summary>
    /// Runs a <see cref="ReferenceTrace"/> through a real <see cref="SecurityModule"/> driven by a fake
    /// clock, with a given agent configuration (ThreadX's cadence unless told otherwise), ticking the
    /// engine exactly when it asks to be ticked (as its timer would), and keeps every message. Keeps an
    /// exact account, per family and per flow, of what was fed and of what Record refused, and checks
    /// on the way that every Record did what a model of the cache's two tables says it should: refuse
    /// new flows once full without aggregation; with it, set a full table aside while the other is
    /// free and refuse only while both are busy.
    /// </summary>
    internal static class WireCostSimulation
    {
        internal static readonly DateTime Epoch = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>ThreadX's cadence: what <see cref="Run"/> uses unless told otherwise.</summary>
        internal static AgentConfiguration ThreadXCadence() => TestConfigurations.EveryCollection();

        /// <summary>Microsoft's twin defaults (PT7M, PT5H, PT13H, aggregation PT1H), as asc_port.config builds them.</summary>
        internal static AgentConfiguration TwinDefaults() => AgentConfiguration.Defaults();

        /// <summary>One line that names the cadence of a configuration.</summary>
        internal static string Describe(AgentConfiguration c)
        {
            string Duration(long seconds) => seconds == 0 ? "0" : seconds % 3600 == 0 ? "PT" + (seconds / 3600) + "H" : seconds % 60 == 0 ? "PT" + (seconds / 60) + "M" : "PT" + seconds + "S";
            return $"highPriorityMessageFrequency {Duration(c.HighPriorityMessageFrequency)}, lowPriorityMessageFrequency {Duration(c.LowPriorityMessageFrequency)}, "
                + $"snapshotFrequency {Duration(c.SnapshotFrequency)}, aggregation "
                + (c.AggregationEnabledConnectionCreate ? Duration(c.AggregationIntervalConnectionCreate) : "off");
        }

        /// <param name="trace">The packets.</param>
        /// <param name="observer">Also gets every message (the tests pass a schema-validating sink).</param>
        /// <param name="keepMessages">False to only count the messages, so that the run measures what the module allocates.</param>
        /// <param name="configuration">
        /// The agent configuration to put in force; null for ThreadX's cadence
        /// (<see cref="ThreadXCadence"/>: a message per collection, flows drained at every one).
        /// </param>
        internal static WireCostRun Run(ReferenceTrace trace, ISecurityMessageSink observer = null, bool keepMessages = true, AgentConfiguration configuration = null)
        {
            configuration ??= ThreadXCadence();
            var clock = new FakeMonotonicClock { ElapsedMilliseconds = 0 };
            var utc = new FakeUtcClock(clock, Epoch);
            var sink = new KeepingSink(observer, keepMessages);
            var module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = clock,
                UtcClock = utc,
                Random = new SeededRandomSource(seed: 2026) { NextOverride = 0 },
                MessageSink = sink,
                DeviceId = "reference-mcu",
                SystemInformation = new McuSystemInformation(),
                ListeningPorts = new McuListeningPorts(),
            });

            // The model follows NetworkActivityCollector: with aggregation, a full table is set
            // aside (spilled) when a packet finds it full and the other table free, written at the
            // next network collection, and the recording table is drained once per interval.
            long aggregationMs = configuration.AggregationEnabledConnectionCreate ? configuration.AggregationIntervalConnectionCreate * ReferenceTrace.Second : 0;
            bool networkEnabled = configuration.PriorityOf(SecurityEventKind.ConnectionCreate) != EventPriority.Off;
            var ipv4 = new FamilyState(AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache, aggregationMs > 0);
            var ipv6 = new FamilyState(AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache, aggregationMs > 0);
            CollectionEngine engine = module.Engine;
            engine.Configure(configuration);
            var inForce = new AgentConfiguration();
            engine.CopyConfiguration(inForce);
            engine.Start();
            engine.SetLinkState(true);
            int networkCollections = 0;
            int drains = 0;
            long lastDrain = -1;
            long nextTick = clock.ElapsedMilliseconds;
            long allocatedByRecord = 0;
            long packetNumber = 0;
            var recordAllocations = new List<string>();
            long allocatedByTicks = 0;

            // One tick, as the module's timer would run it; returns whether the flow caches were drained.
            bool Tick()
            {
                clock.ElapsedMilliseconds = nextTick;
                long now = nextTick;
                bool network = networkEnabled && engine.NextDue(CollectorPriority.High) <= now;
                sink.Delivered.Clear();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                long delay = engine.Tick();
                allocatedByTicks += GC.GetAllocatedBytesForCurrentThread() - allocated;
                nextTick += delay > 0 ? delay : ReferenceTrace.Second;

                // The transport would report each delivery (PUBACK) for MessageStatistics.
                foreach (int length in sink.Delivered)
                {
                    module.ReportMessageSent(length);
                }

                if (!network)
                {
                    return false;
                }

                networkCollections++;
                bool drain = aggregationMs <= 0 || lastDrain < 0 || now - lastDrain >= aggregationMs;
                if (drain)
                {
                    lastDrain = now;
                    drains++;
                }

                ipv4.Collect(drain);
                ipv6.Collect(drain);
                return drain;
            }

            foreach (TracePacket packet in trace.Packets())
            {
                while (nextTick <= packet.TimeMs)
                {
                    Tick();
                }

                FlowKey f = packet.Flow;
                bool counted;
                byte[] local6 = f.IsIpv6 ? ReferenceTrace.Ipv6Address(f.Local) : null;
                byte[] remote6 = f.IsIpv6 ? ReferenceTrace.Ipv6Address(f.Remote) : null;
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                if (f.IsIpv6)
                {
                    counted = module.Ipv6Connections.Record(packet.Direction, f.Protocol, local6, 0, f.LocalPort, remote6, 0, f.RemotePort, packet.Bytes);
                }
                else
                {
                    counted = module.Ipv4Connections.Record(packet.Direction, f.Protocol, f.Local, f.LocalPort, f.Remote, f.RemotePort, packet.Bytes);
                }

                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                if (allocated != 0)
                {
                    allocatedByRecord += allocated;
                    if (recordAllocations.Count < 10)
                    {
                        recordAllocations.Add($"packet {packetNumber} at {packet.TimeMs} ms ({f}, {packet.Direction}, counted {counted}): {allocated} B");
                    }
                }

                packetNumber++;
                (f.IsIpv6 ? ipv6 : ipv4).Account(packet, counted);
            }

            // Drain the tail of the trace with the next collection that drains the caches (the next
            // network collection without aggregation; the end of the aggregation interval with it).
            while (!(Tick() && clock.ElapsedMilliseconds >= trace.DurationMs))
            {
            }

            // Whatever still waits in the open message (with Microsoft's cadence, up to
            // lowPriorityMessageFrequency) goes out as the engine stops; nothing with ThreadX's.
            long beforeStop = sink.Count;
            engine.Stop();
            return new WireCostRun(trace, inForce, sink.Messages, ipv4.Totals, ipv6.Totals, clock.ElapsedMilliseconds, networkCollections)
            {
                Drains = drains,
                MessagesSentAtStop = sink.Count - beforeStop,
                MessageCount = sink.Count,
                MessageBytes = sink.Bytes,
                AllocatedByRecord = allocatedByRecord,
                RecordAllocations = recordAllocations,
                AllocatedByTicks = allocatedByTicks,
            };
        }

        /// <summary>
        /// A model of one family's cache: its recording table and, with aggregation, the table set
        /// aside full for the collector, as sets of flows. Checks every Record against it.
        /// </summary>
        private sealed class FamilyState
        {
            private readonly int _capacity;
            private readonly int _buckets;
            private readonly bool _spillWhenFull;
            private readonly HashSet<FlowKey> _seenBefore = new HashSet<FlowKey>();
            private TableModel _recording = new TableModel();
            private TableModel _free = new TableModel();
            private TableModel _spilled;

            internal FamilyState(int capacity, bool spillWhenFull)
            {
                _capacity = capacity;
                _buckets = FlowTable.BucketCount(capacity);
                _spillWhenFull = spillWhenFull;
            }

            internal FamilyAccount Totals { get; } = new FamilyAccount();

            internal void Account(TracePacket packet, bool counted)
            {
                Totals.Fed.Add(packet.Direction, packet.Bytes);
                FlowKey key = packet.Flow;
                CollectionsMarshal.GetValueRefOrAddDefault(Totals.FedByFlow, key, out _).Add(packet.Direction, packet.Bytes);

                // ConnectionCache.TableForRecord: a full recording table is set aside, in O(1), when
                // the other table is free, whatever the packet (even one of a known flow).
                if (_spillWhenFull && _spilled == null && _recording.Counted.Count == _capacity)
                {
                    _spilled = _recording;
                    _recording = _free;
                    _free = null;
                    Totals.TablesSetAside++;
                }

                bool known = _recording.Counted.Contains(key);
                bool room = _recording.Counted.Count < _capacity;
                if (counted != (known || room))
                {
                    throw new InvalidOperationException(
                        $"Record returned {counted} for {key} (known {known}, {_recording.Counted.Count}/{_capacity} flows, "
                        + $"a table set aside {_spilled != null}): the cache and its model disagree");
                }

                if (counted)
                {
                    _recording.Counted.Add(key);
                    return;
                }

                Totals.Refused.Add(packet.Direction, packet.Bytes);
                CollectionsMarshal.GetValueRefOrAddDefault(Totals.RefusedByFlow, key, out _).Add(packet.Direction, packet.Bytes);
                if (_spilled != null)
                {
                    Totals.RefusedWithBothTablesBusy.Add(packet.Direction, packet.Bytes);
                }

                _recording.Refused.Add(key);
                if (!_recording.Kept.Contains(key) && !(_recording.Kept.Count < AscPortConfig.CollectorNetworkActivityMaxRefusedFlows && _recording.Kept.Add(key)))
                {
                    _recording.BeyondBudget = true;
                    _recording.RefusedSlots.Add(FlowTable.FingerprintSlot(Hash(key), _buckets));
                }
                if (_seenBefore.Contains(key) || (_spilled != null && _spilled.Counted.Contains(key)))
                {
                    _recording.RefusedEstablished.Add(key);
                }
            }

            /// <summary>
            /// A network collection: writes the table set aside, if any, and frees it; drains the
            /// recording table when <paramref name="drain"/> (NetworkActivityCollector.Collect).
            /// </summary>
            internal void Collect(bool drain)
            {
                if (_spilled != null)
                {
                    End(_spilled);
                    _free = _spilled;
                    _spilled = null;
                }

                if (drain)
                {
                    End(_recording);
                    (_recording, _free) = (_free ?? new TableModel(), _recording);
                }
            }

            private void End(TableModel table)
            {
                Totals.TablesWritten++;
                Totals.FlowIntervalsCounted += table.Counted.Count;
                Totals.FlowsRefused += table.Refused.Count;
                Totals.FlowsRefusedByFingerprint += table.Kept.Count + table.RefusedSlots.Count;
                Totals.TablesBeyondRefusedBudget += table.BeyondBudget ? 1 : 0;
                Totals.EstablishedFlowsRefused += table.RefusedEstablished.Count;
                _seenBefore.UnionWith(table.Counted);
                table.Clear();
            }

            private static uint Hash(FlowKey key)
            {
                if (!key.IsIpv6)
                {
                    return Ipv4FlowTable.Hash(key.Protocol, key.Local, key.LocalPort, key.Remote, key.RemotePort);
                }

                byte[] l = ReferenceTrace.Ipv6Address(key.Local);
                byte[] r = ReferenceTrace.Ipv6Address(key.Remote);
                return Ipv6FlowTable.Hash(
                    key.Protocol, Word(l, 0), Word(l, 4), Word(l, 8), Word(l, 12), key.LocalPort,
                    Word(r, 0), Word(r, 4), Word(r, 8), Word(r, 12), key.RemotePort);
            }

            private static uint Word(byte[] a, int i) => ((uint)a[i] << 24) | ((uint)a[i + 1] << 16) | ((uint)a[i + 2] << 8) | a[i + 3];
        }

        /// <summary>What one flow table holds, as the model sees it.</summary>
        private sealed class TableModel
        {
            internal HashSet<FlowKey> Counted { get; } = new HashSet<FlowKey>();

            internal HashSet<FlowKey> Refused { get; } = new HashSet<FlowKey>();

            /// <summary>The refused flows the table keeps the keys of, up to the budget.</summary>
            internal HashSet<FlowKey> Kept { get; } = new HashSet<FlowKey>();

            /// <summary>Fingerprint bits of the refused flows past the budget.</summary>
            internal HashSet<uint> RefusedSlots { get; } = new HashSet<uint>();

            internal bool BeyondBudget { get; set; }

            /// <summary>Refused flows counted in an earlier table (or in the one set aside).</summary>
            internal HashSet<FlowKey> RefusedEstablished { get; } = new HashSet<FlowKey>();

            internal void Clear()
            {
                Counted.Clear();
                Refused.Clear();
                Kept.Clear();
                RefusedSlots.Clear();
                BeyondBudget = false;
                RefusedEstablished.Clear();
            }
        }

        /// <summary>Counts every message, copies it when asked to, and passes it on to the observer.</summary>
        private sealed class KeepingSink : ISecurityMessageSink
        {
            private readonly ISecurityMessageSink _observer;
            private readonly bool _keep;

            internal KeepingSink(ISecurityMessageSink observer, bool keep)
            {
                _observer = observer;
                _keep = keep;
            }

            internal List<byte[]> Messages { get; } = new List<byte[]>();

            /// <summary>Lengths of the messages of the current tick (preallocated: no allocation per message).</summary>
            internal List<int> Delivered { get; } = new List<int>(1024);

            internal long Count { get; private set; }

            internal long Bytes { get; private set; }

            public bool TryAccept(byte[] body, int length)
            {
                Count++;
                Bytes += length;
                Delivered.Add(length);
                if (_keep)
                {
                    Messages.Add(body.AsSpan(0, length).ToArray());
                }

                return _observer == null || _observer.TryAccept(body, length);
            }
        }

        /// <summary>What a typical ESP32 target would report.</summary>
        private sealed class McuSystemInformation : ISystemInformationSource
        {
            public void Read(SystemInformation information)
            {
                information.OsName = ".NET nanoFramework";
                information.OsVersion = "1.12.4.1";
                information.Architecture = "ESP32";
                information.HostName = "ESP32_REV3";
                information.FirmwareVersion = "1.0.0";
                information.TotalMemoryKB = 520;
                information.FreeMemoryKB = 170;
                information.InterfaceCount = 1;
                information.Interfaces[0].Type = "Wireless80211";
                information.Interfaces[0].MacAddress = "24:0a:c4:01:02:03";
                information.Interfaces[0].Ipv4Address = "192.168.1.20";
                information.Interfaces[0].Ipv6Address = "2001:db8:1::20";
            }
        }

        /// <summary>One local configuration page: TCP 80.</summary>
        private sealed class McuListeningPorts : IListeningPortsSource
        {
            public void Read(ListeningPortList ports) => ports.AddIpv4(TransportProtocol.Tcp, 0, 80);
        }
    }

    /// <summary>What the messages of a run say, read back with System.Text.Json.</summary>
    internal sealed class WireCostReport
    {
        /// <summary>
        /// Bytes IoT Hub counts besides the body of a security message: the $.ifid, $.ct and $.ce
        /// properties (37 + 16 + 5), which is why ASC_MAX_MESSAGE_SIZE defaults to 4096 − 58.
        /// </summary>
        internal const int BilledPropertyBytes = 58;

        internal const int BillingBlock = 4096;

        internal sealed class FamilyFigures
        {
            internal long Items;
            internal long ItemBytes;
            internal ulong BytesIn;
            internal ulong BytesOut;
            internal ulong Hits;
        }

        internal long Messages { get; private set; }

        internal long Bytes { get; private set; }

        internal long BilledUnits { get; private set; }

        internal int LargestMessage { get; private set; }

        internal FamilyFigures Ipv4 { get; } = new FamilyFigures();

        internal FamilyFigures Ipv6 { get; } = new FamilyFigures();

        /// <summary>ConnectionCreate events; one split over several messages counts once per message.</summary>
        internal long ConnectionEvents { get; private set; }

        /// <summary>Payload items of every event (flows, listening ports, statistics queues, …).</summary>
        internal long PayloadItems { get; private set; }

        /// <summary>BytesIn, BytesOut and HitCount (as Packets) summed per flow over every ConnectionCreate item.</summary>
        internal Dictionary<FlowKey, TrafficTotals> ReportedByFlow { get; } = new Dictionary<FlowKey, TrafficTotals>();

        /// <summary>ConnectionCreate items whose flow is not one of the reference trace's addresses.</summary>
        internal long UnknownFlowItems { get; private set; }

        internal long HighCollected { get; private set; }

        internal long HighDropped { get; private set; }

        internal long LowCollected { get; private set; }

        internal long LowDropped { get; private set; }

        /// <summary>Events by name.</summary>
        internal SortedDictionary<string, long> EventsByName { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

        internal static WireCostReport Analyze(IEnumerable<byte[]> messages)
        {
            var report = new WireCostReport();
            foreach (byte[] message in messages)
            {
                report.Messages++;
                report.Bytes += message.Length;
                report.BilledUnits += (message.Length + BilledPropertyBytes + BillingBlock - 1) / BillingBlock;
                report.LargestMessage = Math.Max(report.LargestMessage, message.Length);
                using JsonDocument document = JsonDocument.Parse(message);
                foreach (JsonElement e in document.RootElement.GetProperty("Events").EnumerateArray())
                {
                    string name = e.GetProperty("Name").GetString();
                    report.EventsByName[name] = report.EventsByName.GetValueOrDefault(name) + 1;
                    JsonElement payload = e.GetProperty("Payload");
                    report.PayloadItems += payload.GetArrayLength();
                    switch (name)
                    {
                        case "ConnectionCreate":
                            report.ConnectionEvents++;
                            foreach (JsonElement item in payload.EnumerateArray())
                            {
                                bool v6 = item.GetProperty("RemoteAddress").GetString().Contains(':');
                                FamilyFigures figures = v6 ? report.Ipv6 : report.Ipv4;
                                JsonElement extra = item.GetProperty("ExtraDetails");
                                figures.Items++;
                                figures.ItemBytes += Encoding.UTF8.GetByteCount(item.GetRawText());
                                figures.BytesIn += ulong.Parse(extra.GetProperty("BytesIn").GetString(), CultureInfo.InvariantCulture);
                                figures.BytesOut += ulong.Parse(extra.GetProperty("BytesOut").GetString(), CultureInfo.InvariantCulture);
                                figures.Hits += ulong.Parse(extra.GetProperty("HitCount").GetString(), CultureInfo.InvariantCulture);
                                FlowKey? key = KeyOf(item);
                                if (key == null)
                                {
                                    report.UnknownFlowItems++;
                                    continue;
                                }

                                ref TrafficTotals flow = ref CollectionsMarshal.GetValueRefOrAddDefault(report.ReportedByFlow, key.Value, out _);
                                flow.BytesIn += ulong.Parse(extra.GetProperty("BytesIn").GetString(), CultureInfo.InvariantCulture);
                                flow.BytesOut += ulong.Parse(extra.GetProperty("BytesOut").GetString(), CultureInfo.InvariantCulture);
                                flow.Packets += ulong.Parse(extra.GetProperty("HitCount").GetString(), CultureInfo.InvariantCulture);
                            }

                            break;

                        case "DroppedEventsStatistics":
                            foreach (JsonElement item in payload.EnumerateArray())
                            {
                                long collected = item.GetProperty("CollectedEvents").GetInt64();
                                long dropped = item.GetProperty("DroppedEvents").GetInt64();
                                if (item.GetProperty("Queue").GetString() == "High")
                                {
                                    report.HighCollected += collected;
                                    report.HighDropped += dropped;
                                }
                                else
                                {
                                    report.LowCollected += collected;
                                    report.LowDropped += dropped;
                                }
                            }

                            break;
                    }
                }
            }

            return report;
        }

        /// <summary>
        /// The flow a ConnectionCreate item names, as the trace keys it (IPv6 addresses by their
        /// index in <see cref="ReferenceTrace.Ipv6Addresses"/>); null for an address the trace does not use.
        /// </summary>
        internal static FlowKey? KeyOf(JsonElement item)
        {
            var remote = System.Net.IPAddress.Parse(item.GetProperty("RemoteAddress").GetString());
            var local = System.Net.IPAddress.Parse(item.GetProperty("LocalAddress").GetString());
            TransportProtocol protocol = item.GetProperty("Protocol").GetString() switch
            {
                "TCP" => TransportProtocol.Tcp,
                "UDP" => TransportProtocol.Udp,
                _ => TransportProtocol.Icmp,
            };
            ushort localPort = ushort.Parse(item.GetProperty("LocalPort").GetString(), CultureInfo.InvariantCulture);
            ushort remotePort = ushort.Parse(item.GetProperty("RemotePort").GetString(), CultureInfo.InvariantCulture);
            if (remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                int l = Ipv6Index(local.GetAddressBytes());
                int r = Ipv6Index(remote.GetAddressBytes());
                return l < 0 || r < 0 ? null : new FlowKey(true, protocol, (uint)l, localPort, (uint)r, remotePort);
            }

            return new FlowKey(false, protocol, Ipv4Of(local.GetAddressBytes()), localPort, Ipv4Of(remote.GetAddressBytes()), remotePort);
        }

        private static int Ipv6Index(byte[] address)
        {
            for (int i = 0; i < ReferenceTrace.Ipv6Addresses.Length; i++)
            {
                if (ReferenceTrace.Ipv6Addresses[i].AsSpan().SequenceEqual(address))
                {
                    return i;
                }
            }

            return -1;
        }

        private static uint Ipv4Of(byte[] a) => ((uint)a[0] << 24) | ((uint)a[1] << 16) | ((uint)a[2] << 8) | a[3];

        /// <summary>The wire-cost table of one run, scaled to one day.</summary>
        internal static string Format(WireCostRun run, WireCostReport report)
        {
            return Format(new[] { ("value", run, report) });
        }

        /// <summary>
        /// The wire-cost table of docs/performance.md, one column per run (same trace length), each scaled to one day.
        /// </summary>
        internal static string Format(IReadOnlyList<(string Name, WireCostRun Run, WireCostReport Report)> runs)
        {
            var sb = new StringBuilder();
            string N(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);
            string D(double v) => v.ToString("#,0.0", CultureInfo.InvariantCulture);
            double Days(WireCostRun run) => run.Trace.DurationMs / (double)(24 * ReferenceTrace.Hour);
            void Row(string what, Func<WireCostRun, WireCostReport, double, string> value)
            {
                sb.Append("| ").Append(what);
                foreach (var (_, run, report) in runs)
                {
                    sb.Append(" | ").Append(value(run, report, Days(run)));
                }

                sb.Append(" |\n");
            }

            sb.Append("| per day (reference trace, asc_port.config as built)");
            foreach (var (name, _, _) in runs)
            {
                sb.Append(" | ").Append(name);
            }

            sb.Append(" |\n|---");
            sb.Append(string.Concat(Enumerable.Repeat("|---:", runs.Count)));
            sb.Append("|\n");
            Row("messages", (_, r, d) => N(r.Messages / d));
            Row("bytes (message bodies)", (_, r, d) => N(r.Bytes / d) + $" ({D(r.Bytes / d / 1024 / 1024)} MiB)");
            Row("billed 4 KB units (body + 58 B of properties, rounded up per message)", (_, r, d) => N(r.BilledUnits / d));
            Row("largest message (bytes)", (_, r, _) => N(r.LargestMessage));
            Row("payload items, all events", (_, r, d) => N(r.PayloadItems / d));
            Row("flows reported (ConnectionCreate items: IPv4 + IPv6)", (_, r, d) => $"{N((r.Ipv4.Items + r.Ipv6.Items) / d)} ({N(r.Ipv4.Items / d)} + {N(r.Ipv6.Items / d)})");
            Row("flows dropped, true count (distinct refused flows per table written)", (run, _, d) => N((run.Ipv4.FlowsRefused + run.Ipv6.FlowsRefused) / d));
            Row("flows dropped, as reported in DroppedEventsStatistics (High)", (_, r, d) => N(r.HighDropped / d));
            Row("of the dropped flows: established ones (reported in an earlier table) kept out by a burst", (run, _, d) => N((run.Ipv4.EstablishedFlowsRefused + run.Ipv6.EstablishedFlowsRefused) / d));
            Row("packets / bytes refused by a full cache (in no message)", (run, _, d) => $"{N((run.Ipv4.Refused.Packets + run.Ipv6.Refused.Packets) / d)} / {N((run.Ipv4.Refused.BytesIn + run.Ipv4.Refused.BytesOut + run.Ipv6.Refused.BytesIn + run.Ipv6.Refused.BytesOut) / d)}");
            Row("events dropped in the Low queue (DroppedEventsStatistics)", (_, r, d) => N(r.LowDropped / d));
            Row("full tables set aside for the next collection (aggregation)", (run, _, d) => N((run.Ipv4.TablesSetAside + run.Ipv6.TablesSetAside) / d));
            Row("bytes per reported flow, all message bytes / flows reported", (_, r, _) => D(r.Bytes / (double)Math.Max(1, r.Ipv4.Items + r.Ipv6.Items)));
            Row("bytes per IPv4 flow item (the item's JSON + its comma)", (_, r, _) => D(r.Ipv4.Items == 0 ? 0 : (r.Ipv4.ItemBytes + r.Ipv4.Items) / (double)r.Ipv4.Items));
            Row("bytes per IPv6 flow item (the item's JSON + its comma)", (_, r, _) => D(r.Ipv6.Items == 0 ? 0 : (r.Ipv6.ItemBytes + r.Ipv6.Items) / (double)r.Ipv6.Items));
            Row("share of message bytes that are flow items", (_, r, _) => (100.0 * (r.Ipv4.ItemBytes + r.Ipv6.ItemBytes + r.Ipv4.Items + r.Ipv6.Items) / Math.Max(1, r.Bytes)).ToString("0.0", CultureInfo.InvariantCulture) + " %");
            Row("traffic fed (packets / bytes)", (run, _, d) => $"{N((run.Ipv4.Fed.Packets + run.Ipv6.Fed.Packets) / d)} / {N((run.Ipv4.Fed.BytesIn + run.Ipv4.Fed.BytesOut + run.Ipv6.Fed.BytesIn + run.Ipv6.Fed.BytesOut) / d)}");
            Row("network collections (every ASC_HIGH_PRIORITY_INTERVAL) / of them draining the caches", (run, _, d) => $"{N(run.NetworkCollections / d)} / {N(run.Drains / d)}");
            foreach (string name in runs.SelectMany(x => x.Report.EventsByName.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal))
            {
                Row("events: " + name, (_, r, d) => N(r.EventsByName.GetValueOrDefault(name) / d));
            }

            sb.Append('\n');
            foreach (var (name, run, _) in runs)
            {
                sb.Append(name).Append(": ").Append(WireCostSimulation.Describe(run.Configuration));
                if (run.MessagesSentAtStop > 0)
                {
                    sb.Append("; ").Append(run.MessagesSentAtStop).Append(" message(s) still open after the last drain, sent as the engine stopped");
                }

                sb.Append(".\n");
            }

            return sb.ToString();
        }
    }
}
