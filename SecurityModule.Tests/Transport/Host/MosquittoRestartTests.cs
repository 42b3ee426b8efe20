using MQTTnet;
using MQTTnet.Protocol;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Support;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>MosquittoBroker restarts on the same port with its persistent sessions, and MqttTestSubscriber follows.</summary>
    public sealed class MosquittoRestartTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

        [MosquittoFact]
        public async Task APersistentSubscriberKeepsReceivingQos1MessagesAcrossBrokerRestarts()
        {
            using var broker = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true });
            int port = broker.Port;
            MqttTestSubscriberOptions subscriberOptions = MqttTestSubscriberOptions.For(broker, "agent/security/#");
            subscriberOptions.ClientId = "restart-subscriber";
            subscriberOptions.CleanSession = false;

            MqttTestSubscriber subscriber = await MqttTestSubscriber.ConnectAsync(subscriberOptions);
            try
            {
                // Live delivery.
                await PublishAsync(broker, "agent/security/1", "m1");
                await subscriber.WaitForMessagesAsync(HasPayloads("m1"), Wait, "m1");

                // The broker restarts under a connected subscriber: it reconnects by itself, on the same port.
                broker.Stop();
                Assert.False(broker.IsRunning);
                broker.Start();
                Assert.Equal(port, broker.Port);
                await subscriber.WaitForConnectionCountAsync(2, Wait);
                await PublishAsync(broker, "agent/security/2", "m2");
                await subscriber.WaitForMessagesAsync(HasPayloads("m1", "m2"), Wait, "m1, m2");
            }
            finally
            {
                // A clean disconnect: the session (and its subscription) stays on the broker.
                await subscriber.DisposeAsync();
            }

            // Published while the subscriber is away, queued in its session, and kept across a restart.
            await PublishAsync(broker, "agent/security/3", "m3");
            await PublishAsync(broker, "agent/security/4", "m4");
            broker.Restart();

            await using MqttTestSubscriber back = await MqttTestSubscriber.ConnectAsync(subscriberOptions);
            IReadOnlyList<ReceivedMessage> received = await back.WaitForMessagesAsync(HasPayloads("m3", "m4"), Wait, "m3, m4 queued across the restart");
            Assert.All(received, m => Assert.Equal(1, m.QualityOfService));
            Assert.Contains(received, m => m.Topic == "agent/security/3");
        }

        [MosquittoFact]
        public void StopFreesThePortAndStartTakesItAgain()
        {
            using var broker = MosquittoBroker.StartNew();
            int? firstPid = broker.ProcessId;
            Assert.True(broker.IsRunning);

            broker.Stop();
            broker.Stop();
            Assert.Null(broker.ProcessId);
            Assert.False(CanConnect(broker.Port));

            broker.Start();
            Assert.True(CanConnect(broker.Port));
            Assert.NotEqual(firstPid, broker.ProcessId);
            Assert.Contains("listen socket on port " + broker.Port, broker.Log);
            Assert.Contains("allow_anonymous true", File.ReadAllText(broker.ConfigFile));
        }

        private static Func<IReadOnlyList<ReceivedMessage>, bool> HasPayloads(params string[] payloads)
            => messages => payloads.All(p => messages.Any(m => m.PayloadText == p));

        private static bool CanConnect(int port)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                client.Connect("127.0.0.1", port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        /// <summary>Publishes one QoS 1 message from a short-lived MQTTnet client and waits for the PUBACK.</summary>
        private static async Task PublishAsync(MosquittoBroker broker, string topic, string payload)
        {
            using IMqttClient publisher = new MqttClientFactory().CreateMqttClient();
            MqttClientConnectResult connected = await publisher.ConnectAsync(DeviceClients.Options(
                broker.Host, broker.Port, broker.Certificates?.CaCertificateFile, "publisher-" + Guid.NewGuid().ToString("N")));
            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

            MqttClientPublishResult result = await publisher.PublishStringAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.True(result.IsSuccess, $"{result.ReasonCode}{Environment.NewLine}{broker.Log}");
            await publisher.DisconnectAsync(new MqttClientDisconnectOptions());
        }
    }
}
