using System.Globalization;
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

        /// <summary>(flow, collection interval) pairs that were counted: what the messages should list.</summary>
        internal long FlowIntervalsCounted;

        /// <summary>Distinct refused flows, summed over collection intervals: the true number of flows dropped.</summary>
        internal long FlowsRefused;

        /// <summary>
        /// The same, counted the way the module counts it (one bit of a hash fingerprint map per
        /// refused flow, FlowTable.Refuse): what DroppedEventsStatistics should say.
        /// </summary>
        internal long FlowsRefusedByFingerprint;

        /// <summary>
        /// Refused flows (per interval) that had been counted in an earlier interval: established
        /// connections that a burst of new flows kept out of the report.
        /// </summary>
        internal long EstablishedFlowsRefused;
    }

    /// <summary>The outcome of one simulation: the messages and the accounting of what went in.</summary>
    internal sealed class WireCostRun
    {
        internal WireCostRun(ReferenceTrace trace, IReadOnlyList<byte[]> messages, FamilyAccount ipv4, FamilyAccount ipv6, long simulatedMs, int networkCollections)
        {
            Trace = trace;
            Messages = messages;
            Ipv4 = ipv4;
            Ipv6 = ipv6;
            SimulatedMs = simulatedMs;
            NetworkCollections = networkCollections;
        }

        internal ReferenceTrace Trace { get; }

        /// <summary>Every message body the module handed to its sink, in order.</summary>
        internal IReadOnlyList<byte[]> Messages { get; }

        internal FamilyAccount Ipv4 { get; }

        internal FamilyAccount Ipv6 { get; }

        /// <summary>Monotonic time of the last collection: the trace plus the collection that drains its tail.</summary>
        internal long SimulatedMs { get; }

        /// <summary>Collections that included the network activity (high priority) group.</summary>
        internal int NetworkCollections { get; }

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
    /// clock, ticking the engine exactly when it asks to be ticked (as its timer would), and keeps every
    /// message. Keeps an exact account of what was fed and of what Record refused, and checks on the way
    /// that the cache refused exactly the packets a model of a full cache says it should.
    /// </summary>
    internal static class WireCostSimulation
    {
        internal static readonly DateTime Epoch = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);

        /// <param name="trace">The packets.</param>
        /// <param name="observer">Also gets every message (the tests pass a schema-validating sink).</param>
        /// <param name="keepMessages">False to only count the messages, so that the run measures what the module allocates.</param>
        internal static WireCostRun Run(ReferenceTrace trace, ISecurityMessageSink observer = null, bool keepMessages = true)
        {
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

            var ipv4 = new FamilyState(AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache);
            var ipv6 = new FamilyState(AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache);
            CollectionEngine engine = module.Engine;
            engine.Configure(TestConfigurations.EveryCollection());
            engine.Start();
            engine.SetLinkState(true);
            int networkCollections = 0;
            long nextTick = clock.ElapsedMilliseconds;
            long allocatedByRecord = 0;
            long packetNumber = 0;
            var recordAllocations = new List<string>();
            long allocatedByTicks = 0;

            // One tick, as the module's timer would run it; returns whether the flow caches were drained.
            bool Tick()
            {
                clock.ElapsedMilliseconds = nextTick;
                bool network = engine.NextDue(CollectorPriority.High) <= nextTick;
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

                if (network)
                {
                    networkCollections++;
                    ipv4.EndInterval();
                    ipv6.EndInterval();
                }

                return network;
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

            // Drain the tail of the trace with the next network collection.
            while (!(Tick() && clock.ElapsedMilliseconds >= trace.DurationMs))
            {
            }

            return new WireCostRun(trace, sink.Messages, ipv4.Totals, ipv6.Totals, clock.ElapsedMilliseconds, networkCollections)
            {
                MessageCount = sink.Count,
                MessageBytes = sink.Bytes,
                AllocatedByRecord = allocatedByRecord,
                RecordAllocations = recordAllocations,
                AllocatedByTicks = allocatedByTicks,
            };
        }

        /// <summary>A model of one family's cache over the current collection interval.</summary>
        private sealed class FamilyState
        {
            private readonly int _capacity;
            private readonly int _buckets;
            private readonly HashSet<FlowKey> _counted = new HashSet<FlowKey>();
            private readonly HashSet<FlowKey> _refused = new HashSet<FlowKey>();
            private readonly HashSet<uint> _refusedSlots = new HashSet<uint>();
            private readonly HashSet<FlowKey> _seenBefore = new HashSet<FlowKey>();

            internal FamilyState(int capacity)
            {
                _capacity = capacity;
                _buckets = FlowTable.BucketCount(capacity);
            }

            internal FamilyAccount Totals { get; } = new FamilyAccount();

            internal void Account(TracePacket packet, bool counted)
            {
                Totals.Fed.Add(packet.Direction, packet.Bytes);
                FlowKey key = packet.Flow;
                bool known = _counted.Contains(key);
                bool room = _counted.Count < _capacity;
                if (counted != (known || room))
                {
                    throw new InvalidOperationException(
                        $"Record returned {counted} for {key} (known {known}, {_counted.Count}/{_capacity} flows): the cache and its model disagree");
                }

                if (counted)
                {
                    _counted.Add(key);
                    return;
                }

                Totals.Refused.Add(packet.Direction, packet.Bytes);
                _refused.Add(key);
                _refusedSlots.Add(FlowTable.FingerprintSlot(Hash(key), _buckets));
            }

            internal void EndInterval()
            {
                Totals.FlowIntervalsCounted += _counted.Count;
                Totals.FlowsRefused += _refused.Count;
                Totals.FlowsRefusedByFingerprint += _refusedSlots.Count;
                Totals.EstablishedFlowsRefused += _refused.Count(_seenBefore.Contains);
                _seenBefore.UnionWith(_counted);
                _counted.Clear();
                _refused.Clear();
                _refusedSlots.Clear();
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

        /// <summary>The wire-cost table of docs/performance.md, scaled to one day.</summary>
        internal static string Format(WireCostRun run, WireCostReport report)
        {
            double days = run.Trace.DurationMs / (double)(24 * ReferenceTrace.Hour);
            long flowsReported = report.Ipv4.Items + report.Ipv6.Items;
            long itemBytes = report.Ipv4.ItemBytes + report.Ipv6.ItemBytes;
            var sb = new StringBuilder();
            string Row(string what, string value) => "| " + what + " | " + value + " |\n";
            string N(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);
            string D(double v) => v.ToString("#,0.0", CultureInfo.InvariantCulture);
            sb.Append("| per day (reference trace, asc_port.config defaults) | value |\n|---|---|\n");
            sb.Append(Row("messages", N(report.Messages / days)));
            sb.Append(Row("bytes (message bodies)", N(report.Bytes / days) + $" ({D(report.Bytes / days / 1024 / 1024)} MiB)"));
            sb.Append(Row("billed 4 KB units (body + 58 B of properties, rounded up per message)", N(report.BilledUnits / days)));
            sb.Append(Row("largest message (bytes)", N(report.LargestMessage)));
            sb.Append(Row("flows reported (ConnectionCreate items: IPv4 + IPv6)", $"{N(flowsReported / days)} ({N(report.Ipv4.Items / days)} + {N(report.Ipv6.Items / days)})"));
            sb.Append(Row("flows dropped, true count (distinct refused flows per interval)", N((run.Ipv4.FlowsRefused + run.Ipv6.FlowsRefused) / days)));
            sb.Append(Row("flows dropped, as reported in DroppedEventsStatistics (High)", N(report.HighDropped / days)));
            sb.Append(Row("of the dropped flows: established ones (reported in an earlier interval) kept out by a burst", N((run.Ipv4.EstablishedFlowsRefused + run.Ipv6.EstablishedFlowsRefused) / days)));
            sb.Append(Row("packets / bytes refused by a full cache (in no message)", $"{N((run.Ipv4.Refused.Packets + run.Ipv6.Refused.Packets) / days)} / {N((run.Ipv4.Refused.BytesIn + run.Ipv4.Refused.BytesOut + run.Ipv6.Refused.BytesIn + run.Ipv6.Refused.BytesOut) / days)}"));
            sb.Append(Row("bytes per reported flow, all message bytes / flows reported", D(report.Bytes / (double)Math.Max(1, flowsReported))));
            sb.Append(Row("bytes per IPv4 flow item (the item's JSON + its comma)", D(report.Ipv4.Items == 0 ? 0 : (report.Ipv4.ItemBytes + report.Ipv4.Items) / (double)report.Ipv4.Items)));
            sb.Append(Row("bytes per IPv6 flow item (the item's JSON + its comma)", D(report.Ipv6.Items == 0 ? 0 : (report.Ipv6.ItemBytes + report.Ipv6.Items) / (double)report.Ipv6.Items)));
            sb.Append(Row("share of message bytes that are flow items", (100.0 * (itemBytes + flowsReported) / Math.Max(1, report.Bytes)).ToString("0.0", CultureInfo.InvariantCulture) + " %"));
            sb.Append(Row("traffic fed (packets / bytes)", $"{N((run.Ipv4.Fed.Packets + run.Ipv6.Fed.Packets) / days)} / {N((run.Ipv4.Fed.BytesIn + run.Ipv4.Fed.BytesOut + run.Ipv6.Fed.BytesIn + run.Ipv6.Fed.BytesOut) / days)}"));
            sb.Append(Row("network collections (every ASC_HIGH_PRIORITY_INTERVAL)", N(run.NetworkCollections / days)));
            sb.Append('\n');
            sb.Append("events: " + string.Join(", ", report.EventsByName.Select(kv => kv.Key + " " + kv.Value)) + "\n");
            return sb.ToString();
        }
    }
}
