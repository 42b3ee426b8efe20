namespace NanoSecurity.Testing
{
    /// <summary>How an <see cref="IotHubRulesBroker"/> listens and which hub name it plays.</summary>
    public sealed class IotHubRulesBrokerOptions
    {
        /// <summary>
        /// The hub host name that user names and SAS resource URIs must carry, e.g.
        /// "localhost" (default) or "myhub.azure-devices.net". Compared without regard to case.
        /// </summary>
        public string HostName { get; set; } = "localhost";

        /// <summary>Certificates of the TLS endpoint; null to generate a set owned by the broker.</summary>
        public TestCertificates? Certificates { get; set; }

        /// <summary>Listen with TLS (default true), as IoT Hub does on 8883.</summary>
        public bool EnableTls { get; set; } = true;

        /// <summary>
        /// Port of the TLS endpoint on 127.0.0.1; 0 (default) for a free one. A fixed port that is
        /// already taken fails <see cref="IotHubRulesBroker.StartAsync"/> with a
        /// <see cref="System.Net.Sockets.SocketException"/> (AddressAlreadyInUse) instead of moving elsewhere.
        /// </summary>
        public int TlsPort { get; set; }

        /// <summary>Also listen without TLS, on another port (default false: IoT Hub has no plain endpoint).</summary>
        public bool EnablePlaintext { get; set; }
    }
}
