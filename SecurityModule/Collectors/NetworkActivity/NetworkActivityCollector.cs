#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Drains the IPv4 and IPv6 flow caches into ConnectionCreate events, one payload item per
    /// flow, with bytes and packets in ExtraDetails: at every run without aggregation (ThreadX),
    /// or once per aggregation interval plus whatever a full cache set aside meanwhile. Flows
    /// refused by a full cache are counted as dropped in the High queue.
    /// </summary>
    internal sealed class NetworkActivityCollector : Collector
    {
        private const int Ipv6Size = 16;

        // Constant tail of every item: RTOS firmware has no processes, yet the schema requires both fields.
        private const string ProcessTail = ",\"ProcessId\":0,\"Executable\":\"" + AscPortConfig.AgentExecutableName
            + "\",\"ExtraDetails\":{\"BytesIn\":";

        private readonly Ipv4ConnectionCache _ipv4;
        private readonly Ipv6ConnectionCache _ipv6;
        private readonly EventStatistics _statistics;
        private readonly byte[] _addresses = new byte[2 * Ipv6Size];
        private long _aggregationInterval;
        private long _lastDrain = -1;
        private bool _drainNow;

        // The caches record only while the module is not suspended and ConnectionCreate is not Off.
        private bool _suspended;
        private bool _off;

        internal NetworkActivityCollector(Ipv4ConnectionCache ipv4, Ipv6ConnectionCache ipv6, EventStatistics statistics)
        {
            _ipv4 = ipv4;
            _ipv6 = ipv6;
            _statistics = statistics;
        }

        internal override string Name => "NetworkActivity";

        internal override CollectorPriority Priority => CollectorPriority.High;

#if ASC_DETECTIONS_ENABLED
        /// <summary>Counts the flows of each drain against the active-connections range; null for none.</summary>
        internal EdgeDetector Detector;

        internal override bool RunsWithDetections => true;

        /// <summary>The flow that raised a detection leaves with it: the recording tables drain now, even mid-aggregation.</summary>
        internal override void PrepareDetectionRun()
        {
            _drainNow = true;
        }
#endif

        internal override SecurityEventKind Kind => SecurityEventKind.ConnectionCreate;

        /// <summary>
        /// Aggregation follows <c>aggregationEnabledConnectionCreate</c> and
        /// <c>aggregationIntervalConnectionCreate</c>. While ConnectionCreate is Off the caches do
        /// not record (and forget what they held), so that turning it on again sends no flow of
        /// the time it was off and counts none of them as dropped.
        /// </summary>
        internal override void Configure(AgentConfiguration configuration)
        {
            // Milliseconds; 0 drains the caches at every run (ThreadX). While aggregating, a cache
            // that fills up sets its table aside for the next run instead of refusing new flows.
            _aggregationInterval = configuration.AggregationEnabledConnectionCreate
                ? configuration.AggregationIntervalConnectionCreate * 1000
                : 0;
            _ipv4.SpillWhenFull = _aggregationInterval > 0;
            _ipv6.SpillWhenFull = _aggregationInterval > 0;
            bool off = configuration.PriorityOf(Kind) == EventPriority.Off;
            if (off != _off)
            {
                _off = off;
                UpdateRecording();
            }
        }

        /// <summary>
        /// Writes the tables set aside full since the last run and, when the aggregation interval
        /// has passed (at every run without aggregation), drains the recording tables too.
        /// </summary>
        internal override void Collect(SecurityMessageWriter writer)
        {
            // The engine sets LastRun to the time of this run before calling.
            long now = LastRun;
            bool scheduled = _aggregationInterval <= 0 || _lastDrain < 0 || now - _lastDrain >= _aggregationInterval;
            bool drain = scheduled || _drainNow;
            _drainNow = false;
            Ipv4FlowTable spilled4 = _ipv4.TakeSpilledForCollection();
            Ipv6FlowTable spilled6 = _ipv6.TakeSpilledForCollection();
            if (spilled4 != null || spilled6 != null)
            {
                Write(writer, spilled4, spilled6, false);
            }

            if (drain)
            {
                if (scheduled)
                {
                    _lastDrain = now;
                }

                Ipv4FlowTable v4 = _ipv4.SwapForCollection();
                Ipv6FlowTable v6 = _ipv6.SwapForCollection();
#if ASC_DETECTIONS_ENABLED
                if (scheduled && Detector != null)
                {
                    Detector.OnFlowCount(v4.Count + v6.Count);
                }
#endif
                Write(writer, v4, v6, AscPortConfig.CollectorNetworkActivitySendEmptyEvents);
            }
        }

        /// <summary>Writes two tables (either may be null) as one event, then releases them.</summary>
        private void Write(SecurityMessageWriter writer, Ipv4FlowTable v4, Ipv6FlowTable v6, bool sendEmpty)
        {
            int count4 = v4 != null ? v4.Count : 0;
            int count6 = v6 != null ? v6.Count : 0;
            int dropped = (v4 != null ? v4.DroppedFlows : 0) + (v6 != null ? v6.DroppedFlows : 0);
            if (dropped > 0)
            {
                _statistics.AddCollected(EventQueue.High, dropped);
                _statistics.AddDropped(EventQueue.High, dropped);
            }

            if (count4 + count6 == 0)
            {
                if (sendEmpty)
                {
                    // A Triggered ConnectionCreate may not be empty; this is the schema's empty form.
                    writer.WriteEmptyEvent(SecurityEventKind.SystemInformation);
                }
            }
            else
            {
                writer.BeginEvent(SecurityEventKind.ConnectionCreate);
                if (count4 > 0)
                {
                    WriteIpv4(writer, v4);
                }

                if (count6 > 0)
                {
                    WriteIpv6(writer, v6);
                }

                writer.EndEvent();
            }

            if (v4 != null)
            {
                _ipv4.AccountDrops(v4);
                _ipv4.Release();
            }

            if (v6 != null)
            {
                _ipv6.AccountDrops(v6);
                _ipv6.Release();
            }
        }

        internal override void Suspend()
        {
            _suspended = true;
            UpdateRecording();
        }

        internal override void Resume()
        {
            _suspended = false;
            UpdateRecording();
        }

        private void UpdateRecording()
        {
            if (_suspended || _off)
            {
                _ipv4.Suspend();
                _ipv6.Suspend();
            }
            else
            {
                _ipv4.Resume();
                _ipv6.Resume();
            }
        }

        private static void WriteIpv4(SecurityMessageWriter writer, Ipv4FlowTable flows)
        {
            JsonWriter json = writer.Json;
            for (int i = 0; i < flows.Count; i++)
            {
                do
                {
                    writer.BeginItem();
                    json.WriteRaw("\"RemoteAddress\":");
                    json.WriteIpv4(flows.RemoteAddress(i));
                    json.WriteRaw(",\"LocalAddress\":");
                    json.WriteIpv4(flows.LocalAddress(i));
                    WriteCommon(json, flows.RemotePort(i), flows.LocalPort(i), flows.Direction(i), flows.Protocol(i),
                        flows.BytesIn(i), flows.BytesOut(i), flows.HitCount(i));
                }
                while (!writer.EndItem());
            }
        }

        private void WriteIpv6(SecurityMessageWriter writer, Ipv6FlowTable flows)
        {
            JsonWriter json = writer.Json;
            for (int i = 0; i < flows.Count; i++)
            {
                flows.CopyRemoteAddress(i, _addresses, 0);
                flows.CopyLocalAddress(i, _addresses, Ipv6Size);
                do
                {
                    writer.BeginItem();
                    json.WriteRaw("\"RemoteAddress\":");
                    json.WriteIpv6(_addresses, 0);
                    json.WriteRaw(",\"LocalAddress\":");
                    json.WriteIpv6(_addresses, Ipv6Size);
                    WriteCommon(json, flows.RemotePort(i), flows.LocalPort(i), flows.Direction(i), flows.Protocol(i),
                        flows.BytesIn(i), flows.BytesOut(i), flows.HitCount(i));
                }
                while (!writer.EndItem());
            }
        }

        private static void WriteCommon(
            JsonWriter json,
            ushort remotePort,
            ushort localPort,
            FlowDirection direction,
            TransportProtocol protocol,
            ulong bytesIn,
            ulong bytesOut,
            uint hits)
        {
            json.WriteRaw(",\"RemotePort\":");
            json.WriteQuotedUInt64(remotePort);
            json.WriteRaw(",\"LocalPort\":");
            json.WriteQuotedUInt64(localPort);
            json.WriteRaw(",\"Direction\":");
            json.WriteRaw(ProtocolNames.Quoted(direction));
            json.WriteRaw(",\"Protocol\":");
            json.WriteRaw(ProtocolNames.Quoted(protocol));
            json.WriteRaw(ProcessTail);
            json.WriteQuotedUInt64(bytesIn);
            json.WriteRaw(",\"BytesOut\":");
            json.WriteQuotedUInt64(bytesOut);
            json.WriteRaw(",\"HitCount\":");
            json.WriteQuotedUInt64(hits);
            json.WriteRaw("}");
        }
    }
}
#endif
