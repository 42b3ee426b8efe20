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

        /// <summary>Required: the wall clock for event timestamps.</summary>
        public IUtcClock UtcClock { get; set; }

        /// <summary>Required: where finished messages go.</summary>
        public ISecurityMessageSink MessageSink { get; set; }

        /// <summary>Optional: randomness; System.Random when null.</summary>
        public IRandomSource Random { get; set; }

        /// <summary>Optional: where log lines go (only with ASC_LOG_LEVEL above 0).</summary>
        public ILogSink Log { get; set; }

        /// <summary>
        /// The AgentId of every message, a GUID string. When null it is derived from
        /// <see cref="DeviceId"/>, so one of the two is required.
        /// </summary>
        public string AgentId { get; set; }

        /// <summary>The IoT Hub device id, from which a stable AgentId is derived.</summary>
        public string DeviceId { get; set; }

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
