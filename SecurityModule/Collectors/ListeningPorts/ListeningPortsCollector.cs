#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Snapshot of the sockets listening on the device, one ListeningPorts payload item per
    /// socket; an empty snapshot is an empty Periodic event, which says "none" explicitly.
    /// </summary>
    internal sealed class ListeningPortsCollector : Collector
    {
        private readonly IListeningPortsSource _source;
        private readonly ListeningPortList _ports;
        private readonly EventStatistics _statistics;

        internal ListeningPortsCollector(IListeningPortsSource source, EventStatistics statistics)
        {
            _source = source;
            _statistics = statistics;
            _ports = new ListeningPortList(AscPortConfig.CollectorListeningPortsMaxObjects);
        }

        internal override string Name => "ListeningPorts";

        internal override CollectorPriority Priority => CollectorPriority.Medium;

        internal override SecurityEventKind Kind => SecurityEventKind.ListeningPorts;

        internal override bool IsSnapshot => true;

#if ASC_DETECTIONS_ENABLED
        /// <summary>Checks every socket of a snapshot against the expected ports; null for none.</summary>
        internal EdgeDetector Detector;
#endif

        internal override void Collect(SecurityMessageWriter writer)
        {
            _ports.Clear();
            _source.Read(_ports);
            if (_ports.Dropped > 0)
            {
                _statistics.AddCollected(EventQueue.Low, _ports.Dropped);
                _statistics.AddDropped(EventQueue.Low, _ports.Dropped);
            }

#if ASC_DETECTIONS_ENABLED
            if (Detector != null && Detector.ChecksListeningPorts)
            {
                for (int i = 0; i < _ports.Count; i++)
                {
                    Detector.OnListeningPort(_ports.Protocol(i), _ports.Port(i));
                }
            }
#endif
            if (_ports.Count == 0)
            {
                writer.WriteEmptyEvent(SecurityEventKind.ListeningPorts);
                return;
            }

            writer.BeginEvent(SecurityEventKind.ListeningPorts);
            for (int i = 0; i < _ports.Count; i++)
            {
                do
                {
                    writer.BeginItem();
                    WriteItem(writer.Json, i);
                }
                while (!writer.EndItem());
            }

            writer.EndEvent();
        }

        private void WriteItem(JsonWriter json, int index)
        {
            json.WriteRaw("\"LocalAddress\":");
            if (_ports.IsIpv6(index))
            {
                json.WriteIpv6(_ports.Ipv6Addresses, ListeningPortList.Ipv6Offset(index));
            }
            else
            {
                json.WriteIpv4(_ports.Ipv4Address(index));
            }

            json.WriteRaw(",\"LocalPort\":");
            json.WriteQuotedUInt64(_ports.Port(index));
            json.WriteRaw(",\"Protocol\":");
            json.WriteRaw(ProtocolNames.Quoted(_ports.Protocol(index)));
        }
    }
}
#endif
