using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Xunit;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// The client over plain TCP against a real MQTT 3.1.1 broker (MQTTnet 5, in process, on
    /// 127.0.0.1): what MQTTnet accepts, refuses, delivers and acknowledges.
    /// </summary>
    public sealed class MqttClientBrokerTests : IDisposable
    {
        private readonly InProcessBroker _broker;
        private readonly ConcurrentQueue<string> _connected = new ConcurrentQueue<string>();
        private readonly RecordingHandler _handler = new RecordingHandler();
        private readonly MqttClient _client;

        public MqttClientBrokerTests()
        {
            _broker = InProcessBroker.Start(e =>
            {
                if (e.UserName == "refuse-me")
                {
                    return MqttConnectReasonCode.NotAuthorized;
                }

                if (e.UserName == "wrong-password")
                {
                    return MqttConnectReasonCode.BadUserNameOrPassword;
                }

                _connected.Enqueue(e.ClientId + "|" + e.UserName + "|" + e.Password + "|" + e.KeepAlivePeriod + "|" + e.CleanSession + "|" + e.ProtocolVersion);
                return MqttConnectReasonCode.Success;
            });
            _client = new MqttClient(new LoopbackTcpChannel(), _handler, new SystemClock(), 1024);
        }

        public void Dispose()
        {
            _client.Disconnect();
            _broker.Dispose();
        }

        [Fact]
        public void ConnectIsAcceptedWithTheCredentialsAndOptionsSent()
        {
            _client.Connect("127.0.0.1", _broker.Port, "device-1", "hub/device-1", "SharedAccessSignature sr=é", 30, 5000);

            Assert.True(_client.IsConnected);
            Assert.Equal(new[] { "device-1|hub/device-1|SharedAccessSignature sr=é|30|True|V311" }, _connected);
        }

        [Fact]
        public void NotAuthorizedIsReturnCode5WithAClearMessage()
        {
            var e = Assert.Throws<MqttConnectException>(
                () => _client.Connect("127.0.0.1", _broker.Port, "device-1", "refuse-me", "x", 30, 5000));

            Assert.Equal(5, e.ReturnCode);
            Assert.Equal("connection refused (CONNACK 5): not authorized", e.Message);
            Assert.False(_client.IsConnected);
        }

        [Fact]
        public void BadUserNameOrPasswordIsReturnCode4()
        {
            var e = Assert.Throws<MqttConnectException>(
                () => _client.Connect("127.0.0.1", _broker.Port, "device-1", "wrong-password", "x", 30, 5000));

            Assert.Equal(4, e.ReturnCode);
            Assert.Contains("bad user name or password", e.Message);
        }

        [Fact]
        public async Task NoBrokerListeningIsTheChannelsException()
        {
            int port = _broker.Port;
            await _broker.Server.StopAsync();

            Assert.Throws<IOException>(() => _client.Connect("127.0.0.1", port, "device-1", null, null, 30, 5000));
        }

        [Fact]
        public void SubscribedMessagesArriveWithExactTopicAndPayload()
        {
            _client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 30, 5000);
            _client.Subscribe("devices/device-1/messages/devicebound/#", 1, 5000);
            byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

            _broker.Inject("devices/device-1/messages/devicebound/%24.to=%2Fdevices%2Fdevice-1&é😀", binary, MqttQualityOfServiceLevel.AtLeastOnce);
            _broker.Inject("devices/device-1/messages/devicebound/q0", Encoding.UTF8.GetBytes("zero"), MqttQualityOfServiceLevel.AtMostOnce);
            _broker.Inject("devices/other/messages/devicebound/x", new byte[1], MqttQualityOfServiceLevel.AtMostOnce);

            _handler.WaitUntil(h => h.Messages.Count == 2, "two messages");
            Assert.Equal("devices/device-1/messages/devicebound/%24.to=%2Fdevices%2Fdevice-1&é😀", _handler.Messages[0].Topic);
            Assert.Equal(binary, _handler.Messages[0].Payload);
            Assert.Equal("devices/device-1/messages/devicebound/q0", _handler.Messages[1].Topic);
            Assert.Equal("zero", Encoding.UTF8.GetString(_handler.Messages[1].Payload));
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public void AQos1PublishReachesAnotherClientAndIsAcknowledged()
        {
            var received = new BlockingCollection<(string Topic, byte[] Payload, MqttQualityOfServiceLevel Qos)>();
            _broker.Watch("devices/+/messages/events/#", m => received.Add((m.Topic, m.Payload.ToArray(), m.QualityOfServiceLevel)));
            _client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 30, 5000);
            const string Topic = "devices/device-1/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1";
            byte[] payload = Encoding.UTF8.GetBytes("{\"AgentVersion\":\"0.1\",\"Events\":[\"é😀\"]}");

            ushort id = _client.Publish(Topic, payload, 0, payload.Length, 1);

            _handler.WaitUntil(h => h.Acknowledged.Count == 1, "PUBACK");
            Assert.Equal(id, _handler.Acknowledged[0]);
            Assert.False(_client.HasPublishInFlight);
            Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(10)), "the watcher got nothing");
            Assert.Equal(Topic, message.Topic);
            Assert.Equal(payload, message.Payload);
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.Qos);
        }

        [Fact]
        public void ManyQos1PublishesOneAtATimeAreAllAcknowledgedInOrder()
        {
            var received = new BlockingCollection<string>();
            _broker.Watch("load/#", m => received.Add(Encoding.UTF8.GetString(m.Payload.ToArray())));
            _client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 30, 5000);

            var ids = new List<ushort>();
            for (int i = 0; i < 200; i++)
            {
                byte[] payload = Encoding.UTF8.GetBytes("message " + i);
                ids.Add(_client.Publish("load/" + (i % 3), payload, 0, payload.Length, 1));
                int expected = i + 1;
                _handler.WaitUntil(h => h.Acknowledged.Count == expected, "PUBACK " + expected);
            }

            Assert.Equal(ids, _handler.Acknowledged);
            for (int i = 0; i < 200; i++)
            {
                Assert.True(received.TryTake(out string text, TimeSpan.FromSeconds(10)));
                Assert.Equal("message " + i, text);
            }
        }

        [Fact]
        public void ADeliberateDisconnectIsCleanAndReportsNothing()
        {
            var disconnected = new BlockingCollection<MqttClientDisconnectType>();
            _broker.Server.ClientDisconnectedAsync += e =>
            {
                disconnected.Add(e.DisconnectType);
                return Task.CompletedTask;
            };
            _client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 30, 5000);

            _client.Disconnect();

            Assert.True(disconnected.TryTake(out var type, TimeSpan.FromSeconds(10)));
            Assert.Equal(MqttClientDisconnectType.Clean, type);
            Assert.False(_client.IsConnected);
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public async Task TheBrokerDroppingTheClientIsAConnectionLost()
        {
            _client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 30, 5000);

            await _broker.Server.StopAsync();

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            Assert.IsType<IOException>(_handler.Lost[0]);
            Assert.False(_client.IsConnected);
        }

        [Fact]
        public void KeepAliveHoldsAnIdleConnectionOpen()
        {
            var channel = new PingCountingChannel();
            var client = new MqttClient(channel, _handler, new SystemClock(), 1024);
            client.Connect("127.0.0.1", _broker.Port, "device-1", null, null, 2, 5000);

            // MQTTnet drops a client silent for 1.5 keep-alives: three pings span more than that.
            Assert.True(channel.WaitForPings(3, TimeSpan.FromSeconds(30)), "the client stopped pinging");

            Assert.True(client.IsConnected);
            Assert.Empty(_handler.Lost);
            client.Subscribe("still/here", 0, 5000);
            client.Disconnect();
        }
    }
}
