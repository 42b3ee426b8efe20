using System;

namespace NanoSecurity.Testing
{
    /// <summary>Where and how an <see cref="MqttTestSubscriber"/> subscribes.</summary>
    public sealed class MqttTestSubscriberOptions
    {
        /// <summary>Broker address; default "127.0.0.1".</summary>
        public string Host { get; set; } = "127.0.0.1";

        /// <summary>Broker port.</summary>
        public int Port { get; set; }

        /// <summary>Topic filter subscribed with QoS 1; default "#".</summary>
        public string TopicFilter { get; set; } = "#";

        /// <summary>Fixed client id, needed for a persistent session; null for a random one.</summary>
        public string? ClientId { get; set; }

        /// <summary>
        /// MQTT clean session; default true. False (with a fixed <see cref="ClientId"/>) keeps the
        /// session on the broker, so QoS 1 messages published while the subscriber is away (or the
        /// broker restarts) are delivered when it is back.
        /// </summary>
        public bool CleanSession { get; set; } = true;

        /// <summary>Connect with TLS; default false.</summary>
        public bool UseTls { get; set; }

        /// <summary>With TLS: the PEM CA the broker's certificate must chain to; null for the system store.</summary>
        public string? CaCertificateFile { get; set; }

        /// <summary>With TLS: the name the certificate must carry; null for <see cref="Host"/>.</summary>
        public string? TlsTargetHost { get; set; }

        /// <summary>User name; null for none.</summary>
        public string? UserName { get; set; }

        /// <summary>Password; null for none.</summary>
        public string? Password { get; set; }

        /// <summary>Pause between reconnection attempts; default 100 ms.</summary>
        public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

        /// <summary>Longest wait for one connection attempt (TCP, TLS, CONNACK); default 5 s.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Options for a <see cref="MosquittoBroker"/>: its port, and TLS with its CA when it uses TLS.</summary>
        /// <param name="broker">The broker.</param>
        /// <param name="topicFilter">What to subscribe to.</param>
        /// <returns>New options, to adjust further (client id, clean session).</returns>
        public static MqttTestSubscriberOptions For(MosquittoBroker broker, string topicFilter)
        {
            if (broker == null)
            {
                throw new ArgumentNullException(nameof(broker));
            }

            return new MqttTestSubscriberOptions
            {
                Host = broker.Host,
                Port = broker.Port,
                TopicFilter = topicFilter,
                UseTls = broker.UseTls,
                CaCertificateFile = broker.Certificates?.CaCertificateFile,
            };
        }
    }
}
