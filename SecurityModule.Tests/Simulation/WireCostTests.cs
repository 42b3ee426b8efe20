using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Simulation
{
    /// <summary>
    /// The wire-cost simulation of docs/performance.md: 24 simulated hours of the reference trace
    /// through the real module, every message schema-checked, and every byte and packet accounted for.
    /// </summary>
    public sealed class WireCostTests
    {
        private readonly ITestOutputHelper _output;

        public WireCostTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void ReferenceTraceIsReportedExactlyExceptForTheReportedDrops()
        {
            var trace = new ReferenceTrace();
            var sink = new CapturingSink();
            WireCostRun run = WireCostSimulation.Run(trace, sink);
            WireCostReport report = WireCostReport.Analyze(sink.Messages); // fails on any schema-invalid message
            _output.WriteLine(WireCostReport.Format(run, report));

            Assert.Equal(run.Messages.Count, sink.Messages.Count);
            // No allocation per packet: one would show in every one of the day's Record calls. The
            // runtime itself now and then allocates once inside a call (seen once in a CI run under
            // load: 4.8 KB at one packet of a long-lived flow, JIT tiering or lock bookkeeping), so a
            // day may show at most two such one-offs; ConnectionCacheAllocationTests asserts a strict
            // zero over 10,000 warm calls.
            Assert.True(run.RecordAllocations.Count <= 2 && run.AllocatedByRecord <= 16 * 1024,
                "Record allocated: " + string.Join("; ", run.RecordAllocations));
            Assert.All(run.Messages, m => Assert.True(m.Length <= AscPortConfig.MaxMessageSize, "message of " + m.Length + " bytes"));

            // Bytes and packets in the messages = what was fed − what Record refused, per family and per flow.
            AssertFamily("IPv4", run.Ipv4, report.Ipv4);
            AssertFamily("IPv6", run.Ipv6, report.Ipv6);
            AssertEveryFlow(run, report);
            Assert.Equal(0L, run.Ipv4.TablesSetAside + run.Ipv6.TablesSetAside);
            Assert.Equal(0L, run.MessagesSentAtStop);

            // The trace does overflow the cache (the scan bursts), and the loss is reported: the
            // module counts refused flows by a hash fingerprint, a lower bound that the runner
            // reproduces exactly; the true number of distinct refused flows is at least that.
            long refusedByFingerprint = run.Ipv4.FlowsRefusedByFingerprint + run.Ipv6.FlowsRefusedByFingerprint;
            long refused = run.Ipv4.FlowsRefused + run.Ipv6.FlowsRefused;
            Assert.True(run.Ipv4.Refused.Packets > 0, "the reference trace should overflow the IPv4 cache");
            Assert.Equal(refusedByFingerprint, report.HighDropped);
            Assert.InRange(refused, refusedByFingerprint, refusedByFingerprint + (refused / 10));

            // Only scan probes are refused: every interval keeps room for the real connections.
            Assert.All(run.Ipv4.RefusedByFlow.Keys.Concat(run.Ipv6.RefusedByFlow.Keys), k => Assert.Equal(ReferenceTrace.Scanner, k.Remote));
            Assert.Equal(0L, run.Ipv4.EstablishedFlowsRefused + run.Ipv6.EstablishedFlowsRefused);

            // High queue: each DroppedEventsStatistics counts the flows collected since the one
            // before it, the reported ones (the items in between) and the dropped ones.
            AssertHighQueueCounts(run);
            Assert.Equal(0, report.LowDropped);
            Assert.Equal(run.NetworkCollections, run.Drains);

            // The trace's shape: a ConnectionCreate every collection, MessageStatistics once a minute.
            Assert.Equal(run.NetworkCollections, CountMessagesWith(run, "ConnectionCreate"));
            Assert.True(report.EventsByName["MessageStatistics"] >= (24 * 60) - 1, "MessageStatistics every minute once a message was sent");
            Assert.True(report.EventsByName["ListeningPorts"] >= 24 * 120, "ListeningPorts every 30 s");
        }

        /// <summary>
        /// The same day with Microsoft's twin defaults (AgentConfiguration.Defaults: PT7M High, PT5H
        /// Low, snapshots PT13H, flow aggregation PT1H): the runner's model of the caches follows
        /// the spill semantics, so every Record is still checked against it.
        /// </summary>
        [Fact]
        public void ReferenceTraceWithTwinDefaultsSendsFullMessagesAndConservesEveryFlow()
        {
            var trace = new ReferenceTrace();
            var sink = new CapturingSink();
            AgentConfiguration defaults = WireCostSimulation.TwinDefaults();
            WireCostRun run = WireCostSimulation.Run(trace, sink, configuration: defaults);
            WireCostReport report = WireCostReport.Analyze(sink.Messages); // fails on any schema-invalid message

            // ThreadX's cadence over the same trace, for comparison (its messages are checked by the test above).
            WireCostRun threadX = WireCostSimulation.Run(trace);
            WireCostReport threadXReport = WireCostReport.Analyze(threadX.Messages);
            _output.WriteLine(WireCostReport.Format(new[] { ("ThreadX cadence", threadX, threadXReport), ("twin defaults", run, report) }));
            _output.WriteLine(DescribeDrops(run));

            Assert.Equal(run.Messages.Count, sink.Messages.Count);
            Assert.True(run.RecordAllocations.Count <= 2 && run.AllocatedByRecord <= 16 * 1024,
                "Record allocated: " + string.Join("; ", run.RecordAllocations));
            Assert.All(run.Messages, m => Assert.True(m.Length <= defaults.MaxMessageSizeInBytes, "message of " + m.Length + " bytes"));

            // Cadence: the caches drain once per aggregation interval (the first collection, at 30 s,
            // then every hour, the last one 30 s after the trace); in between, full tables are set aside.
            long aggregationMs = defaults.AggregationIntervalConnectionCreate * ReferenceTrace.Second;
            Assert.Equal((int)(trace.DurationMs / aggregationMs) + 1, run.Drains);
            long firstMs = AscPortConfig.FirstCollectionInterval * ReferenceTrace.Second; // the runner's random source returns 0
            Assert.Equal(((run.SimulatedMs - firstMs) / (AscPortConfig.HighPriorityInterval * ReferenceTrace.Second)) + 1, run.NetworkCollections);
            Assert.True(run.Ipv4.TablesSetAside > 0, "125 IPv4 flows an hour should overflow a 64-flow table");

            // Message count. A message goes out when full, or when the frequency of its most urgent
            // event has passed since that event was queued; the open message is empty after such a
            // flush, so two of those are more than highPriorityMessageFrequency apart (the shorter
            // one): at most SimulatedMs / PT7M + 1 of them, plus the one the final stop sends.
            // Every other message was closed because the next item or event header did not fit:
            // it holds more than MaxMessageSize − slack bytes, so there are fewer than Bytes / (MaxMessageSize − slack).
            const int Slack = 1024; // > the largest item plus an event header (≈ 260 + 250 B)
            long byDeadline = (run.SimulatedMs / (defaults.HighPriorityMessageFrequency * ReferenceTrace.Second)) + 1 + run.MessagesSentAtStop;
            long notFull = run.Messages.Count(m => m.Length < defaults.MaxMessageSizeInBytes - Slack);
            long fullBound = report.Bytes / (defaults.MaxMessageSizeInBytes - Slack);
            _output.WriteLine($"messages under {defaults.MaxMessageSizeInBytes - Slack} bytes: {notFull} (at most {byDeadline} may go out by deadline); sizes: "
                + string.Join(", ", run.Messages.GroupBy(m => m.Length / 512 * 512).OrderBy(g => g.Key).Select(g => $"{g.Key}..{g.Key + 511}: {g.Count()}")));
            Assert.True(notFull <= byDeadline, $"{notFull} messages under {defaults.MaxMessageSizeInBytes - Slack} bytes, at most {byDeadline} can go out by deadline");
            Assert.True(report.Messages <= byDeadline + fullBound, $"{report.Messages} messages > {byDeadline} + {fullBound}");

            // The bytes alone need Bytes / MaxMessageSize messages: the count is close to that floor,
            // and twenty times below ThreadX's cadence.
            long floor = (report.Bytes + defaults.MaxMessageSizeInBytes - 1) / defaults.MaxMessageSizeInBytes;
            Assert.InRange(report.Messages, floor, floor + byDeadline);
            Assert.True(report.Messages * 20 < threadX.MessageCount, $"{report.Messages} messages against {threadX.MessageCount} with ThreadX's cadence");
            Assert.True(report.Bytes * 10 < threadX.MessageBytes, $"{report.Bytes} bytes against {threadX.MessageBytes} with ThreadX's cadence");
            Assert.Equal(report.Messages, report.BilledUnits);

            // Conservation, exact: per family and per flow, what the messages report plus what
            // Record refused is what was fed; items = the (flow, table written) pairs of the model.
            AssertFamily("IPv4", run.Ipv4, report.Ipv4);
            AssertFamily("IPv6", run.Ipv6, report.Ipv6);
            AssertEveryFlow(run, report);

            // Refusals happened only while both tables were busy (one set aside, waiting for the
            // next high priority collection, and the other full), and only to scan probes.
            Assert.Equal(run.Ipv4.Refused, run.Ipv4.RefusedWithBothTablesBusy);
            Assert.Equal(run.Ipv6.Refused, run.Ipv6.RefusedWithBothTablesBusy);
            Assert.True(run.Ipv4.Refused.Packets > 0, "the scans should still outpace the collector");
            Assert.All(run.Ipv4.RefusedByFlow.Keys.Concat(run.Ipv6.RefusedByFlow.Keys), k => Assert.Equal(ReferenceTrace.Scanner, k.Remote));
            Assert.Equal(0L, run.Ipv4.EstablishedFlowsRefused + run.Ipv6.EstablishedFlowsRefused);

            // Drops are reported as with ThreadX's cadence, and there are fewer of them.
            long refusedByFingerprint = run.Ipv4.FlowsRefusedByFingerprint + run.Ipv6.FlowsRefusedByFingerprint;
            long refused = run.Ipv4.FlowsRefused + run.Ipv6.FlowsRefused;
            Assert.Equal(refusedByFingerprint, report.HighDropped);
            Assert.InRange(refused, refusedByFingerprint, refusedByFingerprint + (refused / 10));
            Assert.True(refused < threadX.Ipv4.FlowsRefused + threadX.Ipv6.FlowsRefused, $"{refused} flows dropped against {threadX.Ipv4.FlowsRefused + threadX.Ipv6.FlowsRefused}");
            AssertHighQueueCounts(run);
            Assert.Equal(0, report.LowDropped);

            // Snapshots once per snapshotFrequency (PT13H): at the first collection and 13 h later.
            Assert.Equal(2L, report.EventsByName["ListeningPorts"]);
        }

        [Fact]
        public void TraceWithoutScansFitsTheCacheAndLosesNothing()
        {
            var trace = new ReferenceTrace { DurationMs = 2 * ReferenceTrace.Hour, ScanFlows = 0 };
            var sink = new CapturingSink();
            WireCostRun run = WireCostSimulation.Run(trace, sink);
            WireCostReport report = WireCostReport.Analyze(sink.Messages);

            Assert.Equal(0UL, run.Ipv4.Refused.Packets + run.Ipv6.Refused.Packets);
            Assert.Equal(0, report.HighDropped);
            Assert.False(report.EventsByName.ContainsKey("DroppedEventsStatistics"));
            AssertFamily("IPv4", run.Ipv4, report.Ipv4);
            AssertFamily("IPv6", run.Ipv6, report.Ipv6);

            // Every 10 s interval holds the 7 long-lived flows and at most two short ones (the last, after the trace, fewer).
            Assert.InRange(report.Ipv4.Items + report.Ipv6.Items, 7L * (run.NetworkCollections - 1), 9L * run.NetworkCollections);
        }

        [Fact]
        public void TraceIsDeterministic()
        {
            var trace = new ReferenceTrace { DurationMs = 7 * ReferenceTrace.Hour };
            IReadOnlyList<TracePacket> a = trace.Packets();
            IReadOnlyList<TracePacket> b = trace.Packets();
            Assert.Equal(a.Count, b.Count);
            Assert.True(a.SequenceEqual(b));

            // One scan burst of 500 new inbound flows in one minute, at 03:00.
            var scan = a.Where(p => p.Flow.Remote == ReferenceTrace.Scanner).ToArray();
            Assert.Equal(500, scan.Select(p => p.Flow).Distinct().Count());
            Assert.Equal(3 * ReferenceTrace.Hour, scan.Min(p => p.TimeMs));
            Assert.True(scan.Max(p => p.TimeMs) < (3 * ReferenceTrace.Hour) + ReferenceTrace.Minute);
            Assert.True(a.Zip(a.Skip(1)).All(pair => pair.First.TimeMs <= pair.Second.TimeMs), "time order");
        }

        private static void AssertFamily(string family, FamilyAccount fed, WireCostReport.FamilyFigures reported)
        {
            Assert.True(fed.Fed.Packets > 0, family + ": nothing fed");
            Assert.True(fed.Fed.BytesIn - fed.Refused.BytesIn == reported.BytesIn, $"{family} BytesIn: fed {fed.Fed.BytesIn} − refused {fed.Refused.BytesIn} ≠ reported {reported.BytesIn}");
            Assert.True(fed.Fed.BytesOut - fed.Refused.BytesOut == reported.BytesOut, $"{family} BytesOut: fed {fed.Fed.BytesOut} − refused {fed.Refused.BytesOut} ≠ reported {reported.BytesOut}");
            Assert.True(fed.Fed.Packets - fed.Refused.Packets == reported.Hits, $"{family} HitCount: fed {fed.Fed.Packets} − refused {fed.Refused.Packets} ≠ reported {reported.Hits}");
            Assert.Equal(fed.FlowIntervalsCounted, reported.Items);
        }

        /// <summary>For every flow fed: reported (all its ConnectionCreate items) + refused = fed, bytes in, bytes out and packets (HitCount).</summary>
        private static void AssertEveryFlow(WireCostRun run, WireCostReport report)
        {
            Assert.Equal(0, report.UnknownFlowItems);
            var wrong = new List<string>();
            int flows = 0;
            foreach (FamilyAccount family in new[] { run.Ipv4, run.Ipv6 })
            {
                foreach (var (key, fed) in family.FedByFlow)
                {
                    flows++;
                    TrafficTotals reported = report.ReportedByFlow.GetValueOrDefault(key);
                    TrafficTotals refused = family.RefusedByFlow.GetValueOrDefault(key);
                    if (reported.BytesIn + refused.BytesIn != fed.BytesIn
                        || reported.BytesOut + refused.BytesOut != fed.BytesOut
                        || reported.Packets + refused.Packets != fed.Packets)
                    {
                        wrong.Add($"{key}: fed {fed}, reported {reported}, refused {refused}");
                    }
                }
            }

            Assert.True(wrong.Count == 0, wrong.Count + " of " + flows + " flows not conserved: " + string.Join("; ", wrong.Take(5)));
            Assert.All(report.ReportedByFlow.Keys, k => Assert.True((k.IsIpv6 ? run.Ipv6 : run.Ipv4).FedByFlow.ContainsKey(k), "reported but never fed: " + k));
        }

        private static string DescribeDrops(WireCostRun run)
        {
            var refused = run.Ipv4.RefusedByFlow.Concat(run.Ipv6.RefusedByFlow).ToArray();
            string byRemote = string.Join(", ", refused.GroupBy(r => (r.Key.IsIpv6, r.Key.Remote)).Select(g =>
                $"{g.Count()} flow keys of {(g.Key.IsIpv6 ? "IPv6 #" + g.Key.Remote : new System.Net.IPAddress(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(g.Key.Remote)).ToString())}"
                + $" (local ports {g.Min(r => r.Key.LocalPort)}..{g.Max(r => r.Key.LocalPort)}; {g.Sum(r => (long)r.Value.Packets)} packets, {g.Sum(r => (long)(r.Value.BytesIn + r.Value.BytesOut))} bytes)"));
            return $"dropped: {run.Ipv4.FlowsRefused + run.Ipv6.FlowsRefused} (flow, table) pairs, {refused.Length} distinct flow keys over the day: "
                + (byRemote.Length == 0 ? "none" : byRemote)
                + $"; tables set aside full: {run.Ipv4.TablesSetAside} IPv4, {run.Ipv6.TablesSetAside} IPv6; tables written: {run.Ipv4.TablesWritten} IPv4, {run.Ipv6.TablesWritten} IPv6";
        }

        private static void AssertHighQueueCounts(WireCostRun run)
        {
            long itemsSinceReport = 0;
            int reports = 0;
            foreach (byte[] message in run.Messages)
            {
                using var document = System.Text.Json.JsonDocument.Parse(message);
                foreach (var e in document.RootElement.GetProperty("Events").EnumerateArray())
                {
                    string name = e.GetProperty("Name").GetString();
                    if (name == "ConnectionCreate")
                    {
                        itemsSinceReport += e.GetProperty("Payload").GetArrayLength();
                    }
                    else if (name == "DroppedEventsStatistics")
                    {
                        var high = e.GetProperty("Payload").EnumerateArray().Single(q => q.GetProperty("Queue").GetString() == "High");
                        long collected = high.GetProperty("CollectedEvents").GetInt64();
                        long dropped = high.GetProperty("DroppedEvents").GetInt64();
                        Assert.True(dropped > 0 || reports > 0, "a DroppedEventsStatistics without drops");
                        Assert.Equal(itemsSinceReport + dropped, collected);
                        itemsSinceReport = 0;
                        reports++;
                    }
                }
            }

            // Four scan bursts, each over several 10 s intervals.
            Assert.True(reports >= 4, reports + " DroppedEventsStatistics events");
        }

        private static int CountMessagesWith(WireCostRun run, string eventName)
        {
            // A ConnectionCreate split over several messages counts once: the first message of each collection holds it.
            int count = 0;
            string needle = "\"Name\":\"" + eventName + "\"";
            string previousTimestamp = null;
            foreach (byte[] message in run.Messages)
            {
                string text = System.Text.Encoding.UTF8.GetString(message);
                int at = text.IndexOf(needle, StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                int ts = text.LastIndexOf("\"TimestampUTC\":\"", at, StringComparison.Ordinal);
                string timestamp = text.Substring(ts, 40);
                if (timestamp != previousTimestamp)
                {
                    count++;
                    previousTimestamp = timestamp;
                }
            }

            return count;
        }
    }
}
