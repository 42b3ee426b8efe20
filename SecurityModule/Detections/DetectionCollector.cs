#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Writes the detections waiting in the <see cref="EdgeDetector"/> as one Triggered
    /// Diagnostic event (Severity Warning), after the rate limit, and tells the application's
    /// <see cref="IDetectionObserver"/>. The engine runs it with every high priority collection
    /// and, as soon as a detection waits, at the next tick, then sends the open message at once.
    /// It follows the twin's detection switch, not <c>eventPriorityDiagnostic</c>.
    /// </summary>
    internal sealed class DetectionCollector : Collector
    {
        private readonly EdgeDetector _detector;
        private readonly DetectionQueue _taken = new DetectionQueue(EdgeDetector.QueueCapacity);
        private readonly DetectionRateLimiter _limiter = new DetectionRateLimiter(2 * EdgeDetector.QueueCapacity);
        private readonly IDetectionObserver _observer;
        private readonly Logger _log;

        internal DetectionCollector(EdgeDetector detector, IDetectionObserver observer, Logger log)
        {
            _detector = detector;
            _observer = observer;
            _log = log;
        }

        internal override string Name => "Detections";

        internal override CollectorPriority Priority => CollectorPriority.High;

        internal override SecurityEventKind Kind => SecurityEventKind.Diagnostic;

        internal override bool FollowsEventPriority => false;

        internal override bool RunsWithDetections => true;

        /// <summary>Events written since the engine last asked; it sends the open message when true.</summary>
        internal bool TakeWritten()
        {
            bool written = _written;
            _written = false;
            return written;
        }

        private bool _written;

        internal override void Collect(SecurityMessageWriter writer)
        {
            _detector.TakePending(_taken);
            bool open = false;
            for (int i = 0; i < _taken.Count; i++)
            {
                Detection detection = _taken[i];
                if (!_limiter.TrySend(detection, LastRun))
                {
                    continue;
                }

                if (!open)
                {
                    writer.BeginEvent(SecurityEventKind.Diagnostic);
                    open = true;
                }

                DetectionReport report = Report(detection);
                do
                {
                    writer.BeginItem();
                    WriteItem(writer.Json, report, detection.Suppressed);
                }
                while (!writer.EndItem());
                Notify(report);
            }

            if (open)
            {
                writer.EndEvent();
                _written = true;
            }

            _taken.Clear();
        }

        private void Notify(DetectionReport report)
        {
            if (Logger.WarningEnabled)
            {
                _log.Write(LogLevel.Warning, "detection " + report.Detection + ": " + report.Message);
            }

            if (_observer == null)
            {
                return;
            }

            try
            {
                _observer.OnDetection(report);
            }
            catch (System.Exception)
            {
                // The application's reaction failing must not lose the event or stop collection.
            }
        }

        private static DetectionReport Report(Detection d)
        {
            string address = !d.HasRemote ? string.Empty : d.IsIpv6 ? Ipv6Text(d) : AddressText.Ipv4(d.Address[0]);
            bool flow = d.Kind == DetectionKind.DeniedRemoteAddress || d.Kind == DetectionKind.NotAllowedRemoteAddress;
            string protocol = flow || d.Kind == DetectionKind.UnexpectedListeningPort ? ProtocolName(d.Protocol) : string.Empty;
            return new DetectionReport(
                DetectionKind.NameOf(d.Kind),
                d.Rule,
                address,
                flow ? d.RemotePort : 0,
                d.Kind == DetectionKind.ActiveConnectionsOutOfRange || d.Kind == DetectionKind.PortScan ? 0 : d.LocalPort,
                protocol,
                d.Count,
                Sentence(d, address, protocol));
        }

        private static string Sentence(Detection d, string address, string protocol)
        {
            switch (d.Kind)
            {
                case DetectionKind.DeniedRemoteAddress:
                case DetectionKind.NotAllowedRemoteAddress:
                    bool outbound = d.Direction == FlowDirection.Out;
                    string endpoint = d.Protocol == TransportProtocol.Icmp ? address
                        : (d.IsIpv6 ? "[" + address + "]" : address) + ":" + d.RemotePort.ToString();
                    string text = (outbound ? "outbound " : "inbound ") + protocol
                        + (d.Protocol == TransportProtocol.Tcp ? " connection " : " flow ") + (outbound ? "to " : "from ")
                        + (d.Kind == DetectionKind.DeniedRemoteAddress
                            ? "denied address " + endpoint
                            : "address " + endpoint + ", which no allowed range holds");
                    return d.Count > 1 ? text + " (" + d.Count.ToString() + " flows since the last report)" : text;
                case DetectionKind.PortScan:
                    return "port scan from " + address + ": " + d.Count.ToString() + " local ports within the window, more than "
                        + d.Limit.ToString();
                case DetectionKind.ActiveConnectionsOutOfRange:
                    return d.Count.ToString() + " active connections in one collection, "
                        + (d.Rule == "activeConnectionsMin" ? "fewer than the minimum of " : "more than the maximum of ")
                        + d.Limit.ToString();
                default:
                    return "unexpected listening port " + PortRuleList.Format(d.Protocol, d.LocalPort);
            }
        }

        private static void WriteItem(JsonWriter json, DetectionReport report, int suppressed)
        {
            json.WriteRaw("\"Severity\":\"Warning\",\"Message\":");
            json.WriteString(report.Message);
            json.WriteRaw(",\"ProcessId\":0,\"ThreadId\":0,\"ExtraDetails\":{\"Detection\":");
            json.WriteString(report.Detection);
            json.WriteRaw(",\"Rule\":");
            json.WriteString(report.Rule);
            json.WriteRaw(",\"RemoteAddress\":");
            json.WriteString(report.RemoteAddress);
            json.WriteRaw(",\"RemotePort\":");
            json.WriteQuotedUInt64((ulong)report.RemotePort);
            json.WriteRaw(",\"LocalPort\":");
            json.WriteQuotedUInt64((ulong)report.LocalPort);
            json.WriteRaw(",\"Protocol\":");
            json.WriteString(report.Protocol);
            json.WriteRaw(",\"Count\":");
            json.WriteQuotedUInt64((ulong)report.Count);
            json.WriteRaw(",\"Suppressed\":");
            json.WriteQuotedUInt64((ulong)suppressed);
            json.WriteByte((byte)'}');
        }

        private static string ProtocolName(TransportProtocol protocol)
        {
            string quoted = ProtocolNames.Quoted(protocol);
            return quoted.Substring(1, quoted.Length - 2);
        }

        private static string Ipv6Text(Detection d)
        {
            var bytes = new byte[16];
            for (int k = 0; k < 4; k++)
            {
                uint w = d.Address[k];
                bytes[4 * k] = (byte)(w >> 24);
                bytes[(4 * k) + 1] = (byte)(w >> 16);
                bytes[(4 * k) + 2] = (byte)(w >> 8);
                bytes[(4 * k) + 3] = (byte)w;
            }

            return AddressText.Ipv6(bytes, 0);
        }
    }
}
#endif
