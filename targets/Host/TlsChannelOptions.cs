namespace NanoSecurity.Host
{
    /// <summary>
    /// How a <see cref="TlsNetworkChannel"/> connects: which CA to trust, timeouts, and the
    /// explicit opt-in to plain TCP for local tests.
    /// </summary>
    public sealed class TlsChannelOptions
    {
        /// <summary>
        /// PEM file holding the CA certificate(s) the server chain must end in. When set, only
        /// this CA is trusted (the system store is ignored), as on a device that ships one root.
        /// When null, the server is validated against the system trust store.
        /// The server name is checked in both cases.
        /// </summary>
        public string? CaCertificateFile { get; set; }

        /// <summary>
        /// Speaks plain TCP instead of TLS. Only for local tests against a plain listener:
        /// IoT Hub accepts TLS only, and a SAS token sent in clear can be replayed. Refused for
        /// any host other than a loopback address or "localhost". Default false: TLS with validation.
        /// </summary>
        public bool AllowPlaintext { get; set; }

        /// <summary>
        /// Longest time for the TCP connection and the TLS handshake together, in milliseconds.
        /// Default 10,000.
        /// </summary>
        public int ConnectTimeoutMilliseconds { get; set; } = 10_000;

        /// <summary>
        /// Longest time one <see cref="TlsNetworkChannel.Write"/> may block on a peer that does not
        /// read, in milliseconds; the write then fails and the connection counts as lost.
        /// Default 30,000; <see cref="System.Threading.Timeout.Infinite"/> waits forever.
        /// </summary>
        public int WriteTimeoutMilliseconds { get; set; } = 30_000;

        /// <summary>
        /// Checks the revocation status of the server chain online. Default false, as on the
        /// devices (mbedTLS on nanoFramework does not check it) and because test CAs publish no CRL.
        /// </summary>
        public bool CheckCertificateRevocation { get; set; }
    }
}
