using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// A real MQTT broker (MQTTnet 5) in this process, listening on 127.0.0.1 only, with an
    /// MQTTnet client beside it to watch what our client publishes.
    /// </summary>
    internal sealed class InProcessBroker : IDisposable
    {
        private readonly MqttServer _server;
        private readonly List<IMqttClient> _watchers = new List<IMqttClient>();

        private InProcessBroker(MqttServer server, int port)
        {
            _server = server;
            Port = port;
        }

        internal int Port { get; }

        internal MqttServer Server => _server;

        /// <summary>Starts a broker; <paramref name="validate"/> decides each CONNECT (accept when null).</summary>
        internal static InProcessBroker Start(Func<ValidatingConnectionEventArgs, MqttConnectReasonCode> validate = null)
        {
            int port = FreeLoopbackPort();
            MqttServerOptions options = new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
                .WithDefaultEndpointPort(port)
                .Build();
            MqttServer server = new MqttServerFactory().CreateMqttServer(options);
            if (validate != null)
            {
                server.ValidatingConnectionAsync += e =>
                {
                    e.ReasonCode = validate(e);
                    return Task.CompletedTask;
                };
            }

            server.StartAsync().GetAwaiter().GetResult();
            return new InProcessBroker(server, port);
        }

        /// <summary>Connects an MQTTnet client subscribed to <paramref name="topicFilter"/>; each message goes to <paramref name="received"/>.</summary>
        internal void Watch(string topicFilter, Action<MqttApplicationMessage> received)
        {
            IMqttClient watcher = new MqttClientFactory().CreateMqttClient();
            watcher.ApplicationMessageReceivedAsync += e =>
            {
                received(e.ApplicationMessage);
                return Task.CompletedTask;
            };
            MqttClientOptions options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", Port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                .WithClientId("watcher-" + _watchers.Count)
                .Build();
            watcher.ConnectAsync(options).GetAwaiter().GetResult();
            watcher.SubscribeAsync(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce).GetAwaiter().GetResult();
            _watchers.Add(watcher);
        }

        /// <summary>Publishes from the broker itself, as if another client had.</summary>
        internal void Inject(string topic, byte[] payload, MqttQualityOfServiceLevel qos)
        {
            MqttApplicationMessage message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(qos)
                .Build();
            _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "broker" }).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            foreach (IMqttClient watcher in _watchers)
            {
                watcher.Dispose();
            }

            _server.StopAsync().GetAwaiter().GetResult();
            _server.Dispose();
        }

        private static int FreeLoopbackPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
