#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>One edge detection, as its Diagnostic event carries it.</summary>
    public sealed class DetectionReport
    {
        internal DetectionReport(string detection, string rule, string remoteAddress, int remotePort, int localPort, string protocol, int count, string message)
        {
            Detection = detection;
            Rule = rule;
            RemoteAddress = remoteAddress;
            RemotePort = remotePort;
            LocalPort = localPort;
            Protocol = protocol;
            Count = count;
            Message = message;
        }

        /// <summary>DeniedRemoteAddress, NotAllowedRemoteAddress, ActiveConnectionsOutOfRange, UnexpectedListeningPort or PortScan.</summary>
        public string Detection { get; }

        /// <summary>The rule: the denied range that matched (e.g. 203.0.113.0/24) or the configuration property's name.</summary>
        public string Rule { get; }

        /// <summary>The remote address, or an empty string when the detection has none.</summary>
        public string RemoteAddress { get; }

        /// <summary>The remote port; 0 when none.</summary>
        public int RemotePort { get; }

        /// <summary>The local port; 0 when none.</summary>
        public int LocalPort { get; }

        /// <summary>TCP, UDP or ICMP; an empty string when the detection concerns no protocol.</summary>
        public string Protocol { get; }

        /// <summary>Flows matched since the last report of this rule and remote, distinct ports of a scan, or active connections.</summary>
        public int Count { get; }

        /// <summary>The event's Message, a sentence.</summary>
        public string Message { get; }
    }
}
#endif
