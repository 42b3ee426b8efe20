using System;

namespace NanoSecurity.Testing
{
    /// <summary>How a <see cref="MosquittoBroker"/> listens.</summary>
    public sealed class MosquittoBrokerOptions
    {
        /// <summary>
        /// Listen with TLS, using <see cref="Certificates"/> (or certificates generated for the
        /// broker when that is null). Default false: plain MQTT.
        /// </summary>
        public bool UseTls { get; set; }

        /// <summary>The CA and server certificate for TLS; null to generate a set owned by the broker.</summary>
        public TestCertificates? Certificates { get; set; }

        /// <summary>Port on 127.0.0.1; 0 (default) for a free one.</summary>
        public int Port { get; set; }

        /// <summary>How long Start waits for the port to accept connections. Default 10 s.</summary>
        public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>
        /// Refuse every client with CONNACK 5 (not authorised): an empty password file and no
        /// anonymous access, as a broker that knows none of the device's credentials. Default false.
        /// </summary>
        public bool RefuseEveryone { get; set; }

        /// <summary>Path of the mosquitto executable; null to look in /usr/sbin, then on PATH.</summary>
        public string? ExecutablePath { get; set; }
    }
}
