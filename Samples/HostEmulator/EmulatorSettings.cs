namespace NanoSecurity.HostEmulator
{
    /// <summary>What the command line asked for.</summary>
    internal sealed class EmulatorSettings
    {
        /// <summary>--duration: run this long, then print the summary and exit; null to run until Ctrl+C.</summary>
        public int? DurationSeconds { get; init; }

        /// <summary>--connection-string: an external broker or IoT Hub; null for the embedded broker.</summary>
        public string? ConnectionString { get; init; }

        /// <summary>--ca: the CA PEM for --connection-string; null for the system trust store.</summary>
        public string? CaFile { get; init; }

        /// <summary>--port: the embedded broker's TLS port (null: a free one), or the external one (null: 8883).</summary>
        public int? Port { get; init; }

        /// <summary>--json-out: where every message body is written; null for nowhere.</summary>
        public string? JsonOut { get; init; }

        /// <summary>--twin: the desired-properties document the embedded broker serves and watches; null for none.</summary>
        public string? TwinFile { get; init; }

        /// <summary>--no-ui (or output redirected): plain log lines.</summary>
        public bool PlainOutput { get; init; }

        /// <summary>--connect-timeout: how long the module may take to connect at start-up.</summary>
        public int ConnectTimeoutSeconds { get; init; } = 20;
    }
}
