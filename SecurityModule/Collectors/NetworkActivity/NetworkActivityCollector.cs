#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Drains the IPv4 and IPv6 flow caches into one ConnectionCreate event per collection,
    /// one payload item per flow, with bytes and packets in ExtraDetails. Flows refused by a
    /// full cache are counted as dropped in the High queue.
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

        internal NetworkActivityCollector(Ipv4ConnectionCache ipv4, Ipv6ConnectionCache ipv6, EventStatistics statistics)
        {
            _ipv4 = ipv4;
            _ipv6 = ipv6;
            _statistics = statistics;
        }

        internal override string Name => "NetworkActivity";

        internal override CollectorPriority Priority => CollectorPriority.High;

        internal override void Collect(SecurityMessageWriter writer)
        {
            Ipv4FlowTable v4 = _ipv4.SwapForCollection();
            Ipv6FlowTable v6 = _ipv6.SwapForCollection();
            int dropped = v4.DroppedFlows + v6.DroppedFlows;
            if (dropped > 0)
            {
                _statistics.AddCollected(EventQueue.High, dropped);
                _statistics.AddDropped(EventQueue.High, dropped);
            }

            if (v4.Count + v6.Count == 0)
            {
                if (AscPortConfig.CollectorNetworkActivitySendEmptyEvents)
                {
                    // A Triggered ConnectionCreate may not be empty; this is the schema's empty form.
                    writer.WriteEmptyEvent(SecurityEventKind.SystemInformation);
                }
            }
            else
            {
                writer.BeginEvent(SecurityEventKind.ConnectionCreate);
                WriteIpv4(writer, v4);
                WriteIpv6(writer, v6);
                writer.EndEvent();
            }

            v4.Clear();
            v6.Clear();
        }

        internal override void Suspend()
        {
            _ipv4.Suspend();
            _ipv6.Suspend();
        }

        internal override void Resume()
        {
            _ipv4.Resume();
            _ipv6.Resume();
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
