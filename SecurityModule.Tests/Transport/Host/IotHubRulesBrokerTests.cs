using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NanoSecurity.Host;
using NanoSecurity.Testing;
using Xunit;
using static NanoSecurity.Tests.Transport.Host.IotHubRulesBrokerFixture;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>IotHubRulesBroker enforces IoT Hub's MQTT rules; the SAS tokens are computed here, independently.</summary>
    public sealed class IotHubRulesBrokerTests : IClassFixture<IotHubRulesBrokerFixture>
    {
        private const string Hub = "localhost";
        private const string SecurityTopic =
            "devices/dev1/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1";

        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        private readonly IotHubRulesBroker _broker;

        public IotHubRulesBrokerTests(IotHubRulesBrokerFixture fixture) => _broker = fixture.Broker;

        [Fact]
        public async Task ADeviceWithAValidSasTokenConnectsAndItsTelemetryIsRecorded()
        {
            using var device = await ConnectAsync(Device1, null, Device1Key);
            byte[] payload = Marker();

            MqttClientPublishResult published = await device.Client.PublishAsync(Message(SecurityTopic, payload, MqttQualityOfServiceLevel.AtLeastOnce));

            Assert.True(published.IsSuccess);
            IReadOnlyList<AcceptedPublish> telemetry = await _broker.WaitForTelemetryAsync(t => t.Any(m => m.Payload.SequenceEqual(payload)), Wait);
            AcceptedPublish message = telemetry.Single(m => m.Payload.SequenceEqual(payload));
            Assert.Equal(SecurityTopic, message.Topic);
            Assert.Equal(Device1, message.ClientId);
            Assert.Equal(1, message.QualityOfService);
            Assert.False(message.Retain);
            Assert.True(message.IsTelemetry);
            Assert.True(device.Client.IsConnected);
        }

        [Fact]
        public async Task AModuleIdentityConnectsWithItsOwnKeyAndPublishesToItsModuleTopic()
        {
            using var module = await ConnectAsync(Device1, Module, ModuleKey);
            byte[] payload = Marker();
            string topic = $"devices/{Device1}/modules/{Module}/messages/events/";

            await module.Client.PublishAsync(Message(topic, payload, MqttQualityOfServiceLevel.AtMostOnce));

            IReadOnlyList<AcceptedPublish> telemetry = await _broker.WaitForTelemetryAsync(t => t.Any(m => m.Payload.SequenceEqual(payload)), Wait);
            AcceptedPublish message = telemetry.Single(m => m.Payload.SequenceEqual(payload));
            Assert.Equal($"{Device1}/{Module}", message.ClientId);
            Assert.Equal(0, message.QualityOfService);
        }

        [Fact]
        public async Task TwinRequestsAreAcceptedButAreNotTelemetry()
        {
            using var device = await ConnectAsync(Device1, null, Device1Key);
            await device.Client.SubscribeAsync("$iothub/twin/res/#", MqttQualityOfServiceLevel.AtMostOnce);
            byte[] payload = Marker();

            await device.Client.PublishAsync(Message("$iothub/twin/PATCH/properties/reported/?$rid=7", payload, MqttQualityOfServiceLevel.AtMostOnce));
            await device.Client.PingAsync();

            Assert.Contains(_broker.Publishes, p => p.Payload.SequenceEqual(payload) && !p.IsTelemetry);
            Assert.DoesNotContain(_broker.Telemetry, p => p.Payload.SequenceEqual(payload));
            Assert.True(device.Client.IsConnected);
        }

        [Fact]
        public async Task AWrongKeyIsNotAuthorized()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device2Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync(Device1, DeviceClients.UserName(Hub, Device1), password, ConnectReturnCode.NotAuthorized, "signature");
        }

        [Fact]
        public void AWrongKeyGetsConnackReturnCode5OnTheWire()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device2Key, DateTimeOffset.UtcNow.AddHours(1));
            byte[] connect = RawMqtt.Connect(Device1, 60, DeviceClients.UserName(Hub, Device1), password);

            Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x05 }, ExchangeRaw(connect));
        }

        [Fact]
        public void AMalformedPasswordGetsConnackReturnCode4OnTheWireAndAGoodOne0()
        {
            Assert.Equal(
                new byte[] { 0x20, 0x02, 0x00, 0x04 },
                ExchangeRaw(RawMqtt.Connect(Device1, 60, DeviceClients.UserName(Hub, Device1), "hunter2")));

            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            Assert.Equal(
                new byte[] { 0x20, 0x02, 0x00, 0x00 },
                ExchangeRaw(RawMqtt.Connect(Device1, 60, DeviceClients.UserName(Hub, Device1), password)));
        }

        [Fact]
        public async Task AnExpiredTokenIsNotAuthorized()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddMinutes(-1));
            await AssertRefusedAsync(Device1, DeviceClients.UserName(Hub, Device1), password, ConnectReturnCode.NotAuthorized, "expired");
        }

        [Fact]
        public async Task AnUnregisteredClientIdIsNotAuthorized()
        {
            string password = DeviceClients.SasToken(Hub, "ghost", null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync("ghost", DeviceClients.UserName(Hub, "ghost"), password, ConnectReturnCode.NotAuthorized, "not registered");
        }

        [Fact]
        public async Task AClientIdThatDiffersFromTheUserNameIsNotAuthorized()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync(Device1, DeviceClients.UserName(Hub, Device2), password, ConnectReturnCode.NotAuthorized, "client id");
        }

        [Fact]
        public async Task AUserNameForAnotherHubIsNotAuthorized()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync(Device1, DeviceClients.UserName("otherhub.azure-devices.net", Device1), password, ConnectReturnCode.NotAuthorized, "host");
        }

        [Fact]
        public async Task AMalformedUserNameIsBadUserNameOrPassword()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync(Device1, Device1, password, ConnectReturnCode.BadUserNameOrPassword, "user name");
            await AssertRefusedAsync(Device1, $"{Hub}/{Device1}/?foo=1", password, ConnectReturnCode.BadUserNameOrPassword, "api-version");
        }

        [Fact]
        public async Task ATokenForAnotherIdentityIsNotAuthorized()
        {
            // Signed with dev1's key but for dev2's resource: the resource must name the connecting identity.
            string password = DeviceClients.SasToken(Hub, Device2, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync(Device1, DeviceClients.UserName(Hub, Device1), password, ConnectReturnCode.NotAuthorized, "resource");
        }

        [Fact]
        public async Task TheDeviceKeyDoesNotOpenItsModule()
        {
            string password = DeviceClients.SasToken(Hub, Device1, Module, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            await AssertRefusedAsync($"{Device1}/{Module}", DeviceClients.UserName(Hub, Device1, Module), password, ConnectReturnCode.NotAuthorized, "signature");
        }

        [Fact]
        public async Task Mqtt5IsRefused()
        {
            string password = DeviceClients.SasToken(Hub, Device1, null, Device1Key, DateTimeOffset.UtcNow.AddHours(1));
            using var device = new DeviceClients.Watched();

            MqttClientConnectResult result = await device.Client.ConnectAsync(DeviceClients.Options(
                "127.0.0.1", _broker.TlsPort, _broker.Certificates.CaCertificateFile, Device1, DeviceClients.UserName(Hub, Device1), password, MqttProtocolVersion.V500));

            Assert.Equal(MqttClientConnectResultCode.UnsupportedProtocolVersion, result.ResultCode);
            Assert.Equal(ConnectReturnCode.UnacceptableProtocolVersion, _broker.RejectedConnections[^1].ReturnCode);
        }

        [Fact]
        public async Task ThePlainEndpointAppliesTheSameRules()
        {
            string password = DeviceClients.SasToken(Hub, Device2, null, Device2Key, DateTimeOffset.UtcNow.AddHours(1));
            using var device = new DeviceClients.Watched();

            MqttClientConnectResult result = await device.Client.ConnectAsync(DeviceClients.Options(
                "127.0.0.1", _broker.PlaintextPort, null, Device2, DeviceClients.UserName(Hub, Device2), password));

            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        }

        [Fact]
        public async Task PublishingToATopicOutsideTheWhitelistDisconnects()
        {
            await AssertDisconnectedForPublishAsync("foo/bar", MqttQualityOfServiceLevel.AtLeastOnce, retain: false, "topic is not");
        }

        [Fact]
        public async Task PublishingAsAnotherDeviceDisconnects()
        {
            await AssertDisconnectedForPublishAsync($"devices/{Device2}/messages/events/", MqttQualityOfServiceLevel.AtMostOnce, retain: false, "topic is not");
        }

        [Fact]
        public async Task PublishingWithRetainDisconnects()
        {
            await AssertDisconnectedForPublishAsync(SecurityTopic, MqttQualityOfServiceLevel.AtLeastOnce, retain: true, "RETAIN");
        }

        [Fact]
        public async Task PublishingWithQos2Disconnects()
        {
            await AssertDisconnectedForPublishAsync(SecurityTopic, MqttQualityOfServiceLevel.ExactlyOnce, retain: false, "QoS 2");
        }

        [Fact]
        public async Task SubscribingOutsideTheWhitelistDisconnects()
        {
            using var device = await ConnectAsync(Device1, null, Device1Key);

            try
            {
                await device.Client.SubscribeAsync("#", MqttQualityOfServiceLevel.AtLeastOnce);
            }
            catch (Exception)
            {
                // The broker may close before or after its SUBACK.
            }

            await device.Disconnected.WaitAsync(Wait);
            Assert.Contains(_broker.Violations, v => v.ClientId == Device1 && v.Topic == "#");
        }

        [Fact]
        public async Task WhitelistedSubscriptionsAreGranted()
        {
            using var device = await ConnectAsync(Device1, null, Device1Key);
            var subscribe = new MqttClientFactory().CreateSubscribeOptionsBuilder()
                .WithTopicFilter("$iothub/twin/res/#", MqttQualityOfServiceLevel.AtMostOnce)
                .WithTopicFilter("$iothub/twin/PATCH/properties/desired/#", MqttQualityOfServiceLevel.AtMostOnce)
                .WithTopicFilter($"devices/{Device1}/messages/devicebound/#", MqttQualityOfServiceLevel.ExactlyOnce)
                .WithTopicFilter("$iothub/methods/POST/#", MqttQualityOfServiceLevel.AtMostOnce)
                .Build();

            MqttClientSubscribeResult result = await device.Client.SubscribeAsync(subscribe);

            // In request order (MQTTnet's server alone sorts them by QoS); QoS 2 is granted as QoS 1, as IoT Hub does.
            Assert.Equal(
                new[]
                {
                    MqttClientSubscribeResultCode.GrantedQoS0,
                    MqttClientSubscribeResultCode.GrantedQoS0,
                    MqttClientSubscribeResultCode.GrantedQoS1,
                    MqttClientSubscribeResultCode.GrantedQoS0,
                },
                result.Items.Select(i => i.ResultCode).ToArray());
            await device.Client.PingAsync();
            Assert.True(device.Client.IsConnected);
        }

        private static byte[] Marker() => System.Text.Encoding.UTF8.GetBytes("{\"marker\":\"" + Guid.NewGuid().ToString("N") + "\"}");

        private static MqttApplicationMessage Message(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain = false)
            => new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build();

        private async Task<DeviceClients.Watched> ConnectAsync(string deviceId, string moduleId, string key)
        {
            string clientId = moduleId == null ? deviceId : deviceId + "/" + moduleId;
            string password = DeviceClients.SasToken(Hub, deviceId, moduleId, key, DateTimeOffset.UtcNow.AddHours(1));
            var device = new DeviceClients.Watched();
            MqttClientConnectResult result = await device.Client.ConnectAsync(DeviceClients.Options(
                "127.0.0.1", _broker.TlsPort, _broker.Certificates.CaCertificateFile, clientId, DeviceClients.UserName(Hub, deviceId, moduleId), password));
            Assert.True(result.ResultCode == MqttClientConnectResultCode.Success, $"{result.ResultCode}; refusals: {string.Join("; ", _broker.RejectedConnections)}");
            return device;
        }

        private async Task AssertRefusedAsync(string clientId, string userName, string password, ConnectReturnCode expected, string reasonFragment)
        {
            using var device = new DeviceClients.Watched();

            MqttClientConnectResult result = await device.Client.ConnectAsync(DeviceClients.Options(
                "127.0.0.1", _broker.TlsPort, _broker.Certificates.CaCertificateFile, clientId, userName, password));

            MqttClientConnectResultCode expectedResult = expected == ConnectReturnCode.NotAuthorized
                ? MqttClientConnectResultCode.NotAuthorized
                : MqttClientConnectResultCode.BadUserNameOrPassword;
            Assert.Equal(expectedResult, result.ResultCode);
            Assert.False(device.Client.IsConnected);

            // Recorded before the CONNACK went out, so it is there now.
            RejectedConnection refusal = _broker.RejectedConnections[^1];
            Assert.Equal(clientId, refusal.ClientId);
            Assert.Equal(expected, refusal.ReturnCode);
            Assert.Contains(reasonFragment, refusal.Reason);
        }

        private async Task AssertDisconnectedForPublishAsync(string topic, MqttQualityOfServiceLevel qos, bool retain, string reasonFragment)
        {
            using var device = await ConnectAsync(Device1, null, Device1Key);
            byte[] payload = Marker();

            try
            {
                using var timeout = new CancellationTokenSource(Wait);
                await device.Client.PublishAsync(Message(topic, payload, qos, retain), timeout.Token);
            }
            catch (Exception)
            {
                // The broker closes the connection instead of acknowledging.
            }

            await device.Disconnected.WaitAsync(Wait);
            Assert.Contains(_broker.Violations, v => v.ClientId == Device1 && v.Topic == topic && v.Reason.Contains(reasonFragment));
            Assert.DoesNotContain(_broker.Publishes, p => p.Payload.SequenceEqual(payload));
        }

        /// <summary>Sends a hand-made CONNECT through a TlsNetworkChannel and returns the 4 CONNACK bytes.</summary>
        private byte[] ExchangeRaw(byte[] connect)
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _broker.Certificates.CaCertificateFile });
            channel.Connect("127.0.0.1", _broker.TlsPort);
            channel.Write(connect, 0, connect.Length);
            return RawMqtt.ReadExactly(channel, 4);
        }
    }
}
