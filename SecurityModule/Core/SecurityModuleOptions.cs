namespace NanoSecurity
{
    /// <summary>
    /// What the application plugs into <see cref="SecurityModule"/>: the target's ports and
    /// the agent's identity. Build-time settings live in asc_port.config instead.
    /// </summary>
    public sealed class SecurityModuleOptions
    {
        /// <summary>Required: the clock that schedules collections.</summary>
        public IMonotonicClock MonotonicClock { get; set; }

        /// <summary>Required: the wall clock for event timestamps and SAS token expiry.</summary>
        public IUtcClock UtcClock { get; set; }

        /// <summary>
        /// The IoT Hub identity, <c>HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…</c>. With
        /// <see cref="Channel"/>, the module connects to the hub itself (MQTT over TLS) and keeps
        /// messages in an offline cache of ASC_LOCAL_CACHE_SIZE bytes while the link is down.
        /// </summary>
        public string ConnectionString { get; set; }

        /// <summary>The target's TLS channel, with <see cref="ConnectionString"/>.</summary>
        public INetworkChannel Channel { get; set; }

        /// <summary>The hub's MQTT port; 8883 unless a test broker listens elsewhere.</summary>
        public int Port { get; set; } = IotHubSession.DefaultPort;

        /// <summary>
        /// Instead of <see cref="ConnectionString"/>: where finished messages go, for an application
        /// that already holds an IoT Hub connection (IoT Hub allows one per identity) and sends
        /// them itself, with the properties in <see cref="SecurityMessageProperties"/>.
        /// </summary>
        public ISecurityMessageSink MessageSink { get; set; }

        /// <summary>
        /// Optional: sees every message the module writes, before it is sent (diagnostics, local
        /// views). Called on the collection thread; see <see cref="ISecurityMessageObserver"/>.
        /// </summary>
        public ISecurityMessageObserver MessageObserver { get; set; }

        /// <summary>Optional: randomness; System.Random when null.</summary>
        public IRandomSource Random { get; set; }

        /// <summary>Optional: where log lines go (only with ASC_LOG_LEVEL above 0).</summary>
        public ILogSink Log { get; set; }

        /// <summary>
        /// The AgentId of every message, a GUID string. When null it is derived from
        /// <see cref="DeviceId"/>, so one of the two is required.
        /// </summary>
        public string AgentId { get; set; }

        /// <summary>The IoT Hub device id, from which a stable AgentId is derived (taken from <see cref="ConnectionString"/> when given).</summary>
        public string DeviceId { get; set; }

#if ASC_DETECTIONS_ENABLED
        /// <summary>Optional: told of every edge detection as its Diagnostic event is written (off the packet path).</summary>
        public IDetectionObserver DetectionObserver { get; set; }

#endif
#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
        /// <summary>Optional: device facts; without it no SystemInformation snapshot is sent.</summary>
        public ISystemInformationSource SystemInformation { get; set; }
#endif

#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
        /// <summary>Optional: listening sockets; without it no ListeningPorts snapshot is sent.</summary>
        public IListeningPortsSource ListeningPorts { get; set; }
#endif
    }
}
