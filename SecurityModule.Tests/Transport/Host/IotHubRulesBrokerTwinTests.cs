using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using NanoSecurity.Testing;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>
    /// IotHubRulesBroker serves twins as IoT Hub's MQTT endpoint does, to real MQTTnet clients over TLS.
    /// Every test registers identities of its own, so that the twins it sees start fresh.
    /// </summary>
    public sealed class IotHubRulesBrokerTwinTests : IClassFixture<IotHubRulesBrokerFixture>
    {
        private const string Hub = "localhost";
        private const string ResponseFilter = "$iothub/twin/res/#";
        private const string DesiredFilter = "$iothub/twin/PATCH/properties/desired/#";

        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        private readonly IotHubRulesBroker _broker;

        public IotHubRulesBrokerTwinTests(IotHubRulesBrokerFixture fixture) => _broker = fixture.Broker;

        [Fact]
        public async Task AGetReturnsTheDesiredAndReportedPropertiesWithTheirVersions()
        {
            string device = NewDevice(out string key);
            _broker.SetDesiredProperties(device, """{"config":{"interval":"PT7M","enabled":true}}""");
            using var client = await ConnectAsync(device, key, ResponseFilter);

            (string topic, string payload) = await client.RequestAsync("$iothub/twin/GET/?$rid=1", string.Empty);

            Assert.Equal("$iothub/twin/res/200/?$rid=1", topic);
            JsonObject twin = JsonNode.Parse(payload).AsObject();
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse("""{"config":{"interval":"PT7M","enabled":true},"$version":1}"""), twin["desired"]),
                payload);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"$version":1}"""), twin["reported"]), payload);
            Assert.Equal(new TwinRequest(device, TwinRequest.Get, "1", 200, string.Empty), _broker.TwinRequests.Single(r => r.ClientId == device));

            // Replacing the desired properties of an existing twin is a new version; members not given are gone.
            _broker.SetDesiredProperties(device, """{"config":{"interval":"PT1M"}}""");
            (_, payload) = await client.RequestAsync("$iothub/twin/GET/?$rid=2", string.Empty);

            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse("""{"config":{"interval":"PT1M"},"$version":2}"""), JsonNode.Parse(payload)["desired"]),
                payload);
        }

        [Fact]
        public async Task AReportedPatchIsMergedAndAnswered204WithTheNewVersion()
        {
            string device = NewDevice(out string key);
            using var client = await ConnectAsync(device, key, ResponseFilter);

            (string first, _) = await client.RequestAsync(
                "$iothub/twin/PATCH/properties/reported/?$rid=a1", """{"agent":{"version":"1.0","state":"starting"},"keep":1}""");
            (string second, string answer) = await client.RequestAsync(
                "$iothub/twin/PATCH/properties/reported/?$rid=a2", """{"agent":{"state":null,"uptime":5},"keep":null,"new":[1,2]}""");

            Assert.Equal("$iothub/twin/res/204/?$rid=a1&$version=2", first);
            Assert.Equal("$iothub/twin/res/204/?$rid=a2&$version=3", second);
            Assert.Equal(string.Empty, answer);
            JsonNode expected = JsonNode.Parse("""{"agent":{"version":"1.0","uptime":5},"new":[1,2],"$version":3}""");
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(_broker.GetReportedProperties(device))), _broker.GetReportedProperties(device));
            JsonObject waited = await _broker.WaitForReportedAsync(device, r => (int)r["$version"] == 3, Wait);
            Assert.True(JsonNode.DeepEquals(expected, waited));

            // The device sees its own reported properties in a GET, as IoT Hub returns them.
            (_, string twin) = await client.RequestAsync("$iothub/twin/GET/?$rid=a3", string.Empty);
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(twin)["reported"]), twin);
            Assert.Equal(
                new[] { (TwinRequest.Patch, 204), (TwinRequest.Patch, 204), (TwinRequest.Get, 200) },
                _broker.TwinRequests.Where(r => r.ClientId == device).Select(r => (r.Kind, r.Status)).ToArray());
        }

        [Fact]
        public async Task AMalformedReportedPatchIsAnswered400AndChangesNothing()
        {
            string device = NewDevice(out string key);
            using var client = await ConnectAsync(device, key, ResponseFilter);
            (string accepted, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=ok", """{"a":1}""");
            Assert.Equal("$iothub/twin/res/204/?$rid=ok&$version=2", accepted);

            (string notJson, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=b1", """{"a":""");
            (string notObject, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=b2", "[1,2]");
            (string empty, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=b3", string.Empty);
            (string badName, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=b4", """{"a":{"$version":7}}""");

            Assert.Equal("$iothub/twin/res/400/?$rid=b1", notJson);
            Assert.Equal("$iothub/twin/res/400/?$rid=b2", notObject);
            Assert.Equal("$iothub/twin/res/400/?$rid=b3", empty);
            Assert.Equal("$iothub/twin/res/400/?$rid=b4", badName);
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"$version":2}"""), JsonNode.Parse(_broker.GetReportedProperties(device))),
                _broker.GetReportedProperties(device));
            Assert.Equal(4, _broker.TwinRequests.Count(r => r.ClientId == device && r.Status == 400));
            Assert.True(client.IsConnected);
        }

        [Fact]
        public async Task ADesiredUpdateIsPushedToItsTargetAlone()
        {
            string device = NewDevice(out string deviceKey);
            string moduleId = "mod" + Guid.NewGuid().ToString("N")[..8];
            string moduleKey = IotHubRulesBroker.NewSymmetricKey();
            _broker.AddModule(device, moduleId, moduleKey);
            string module = device + "/" + moduleId;
            _broker.SetDesiredProperties(module, """{"old":true,"config":{"a":1}}""");
            using var target = await ConnectAsync(module, moduleKey, DesiredFilter);
            using var other = await ConnectAsync(device, deviceKey, DesiredFilter);

            await _broker.UpdateDesiredPropertiesAsync(module, """{"old":null,"config":{"b":2}}""");
            (string topic, string payload) = await target.NextAsync();

            Assert.Equal("$iothub/twin/PATCH/properties/desired/?$version=2", topic);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"old":null,"config":{"b":2},"$version":2}"""), JsonNode.Parse(payload)), payload);
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse("""{"config":{"a":1,"b":2},"$version":2}"""), JsonNode.Parse(_broker.GetDesiredProperties(module))),
                _broker.GetDesiredProperties(module));

            // The device's own update is queued behind the module's, so had the module's leaked to the device,
            // it would have arrived first. The device's twin is another twin: its desired version starts afresh.
            await _broker.UpdateDesiredPropertiesAsync(device, """{"mine":1}""");
            (string otherTopic, string otherPayload) = await other.NextAsync();

            Assert.Equal("$iothub/twin/PATCH/properties/desired/?$version=2", otherTopic);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"mine":1,"$version":2}"""), JsonNode.Parse(otherPayload)), otherPayload);
            Assert.Single(other.Received);
            Assert.Single(target.Received);
        }

        [Fact]
        public async Task AGetWithoutTheResponseSubscriptionIsNotAnswered()
        {
            string device = NewDevice(out string key);
            using var client = await ConnectAsync(device, key, DesiredFilter);

            await client.PublishAsync("$iothub/twin/GET/?$rid=unheard", string.Empty);
            await _broker.WaitForTwinRequestsAsync(r => r.Any(q => q.ClientId == device && q.Rid == "unheard"), Wait, "the GET");

            // A notification queued after the GET's answer is delivered; the answer, which would come first, is not.
            await _broker.UpdateDesiredPropertiesAsync(device, """{"x":1}""");
            (string topic, _) = await client.NextAsync();

            Assert.Equal("$iothub/twin/PATCH/properties/desired/?$version=2", topic);
            Assert.Single(client.Received);
            Assert.Equal(200, _broker.TwinRequests.Single(r => r.ClientId == device).Status);
        }

        [Fact]
        public async Task ThrottledRequestsAreAnswered429AndNotAppliedThenServedAgain()
        {
            string device = NewDevice(out string key);
            using var client = await ConnectAsync(device, key, ResponseFilter);
            _broker.ThrottleTwinRequests = 2;
            try
            {
                (string get, string body) = await client.RequestAsync("$iothub/twin/GET/?$rid=t1", string.Empty);
                (string patch, _) = await client.RequestAsync("$iothub/twin/PATCH/properties/reported/?$rid=t2", """{"a":1}""");
                Assert.Equal(0, _broker.ThrottleTwinRequests);
                (string served, string twin) = await client.RequestAsync("$iothub/twin/GET/?$rid=t3", string.Empty);

                Assert.Equal("$iothub/twin/res/429/?$rid=t1", get);
                Assert.Equal(string.Empty, body);
                Assert.Equal("$iothub/twin/res/429/?$rid=t2", patch);
                Assert.Equal("$iothub/twin/res/200/?$rid=t3", served);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"$version":1}"""), JsonNode.Parse(twin)["reported"]), twin);
                Assert.Equal(
                    new[] { 429, 429, 200 },
                    _broker.TwinRequests.Where(r => r.ClientId == device).Select(r => r.Status).ToArray());
            }
            finally
            {
                _broker.ThrottleTwinRequests = 0;
            }
        }

        private string NewDevice(out string key)
        {
            string deviceId = "twin" + Guid.NewGuid().ToString("N")[..8];
            key = IotHubRulesBroker.NewSymmetricKey();
            _broker.AddDevice(deviceId, key);
            return deviceId;
        }

        private async Task<TwinClient> ConnectAsync(string clientId, string key, string topicFilter)
        {
            string[] ids = clientId.Split('/');
            string moduleId = ids.Length == 2 ? ids[1] : null;
            string password = DeviceClients.SasToken(Hub, ids[0], moduleId, key, DateTimeOffset.UtcNow.AddHours(1));
            var client = new TwinClient();
            MqttClientConnectResult result = await client.Device.Client.ConnectAsync(DeviceClients.Options(
                "127.0.0.1", _broker.TlsPort, _broker.Certificates.CaCertificateFile, clientId, DeviceClients.UserName(Hub, ids[0], moduleId), password));
            Assert.True(result.ResultCode == MqttClientConnectResultCode.Success, $"{result.ResultCode}; refusals: {string.Join("; ", _broker.RejectedConnections)}");
            await client.Device.Client.SubscribeAsync(topicFilter, MqttQualityOfServiceLevel.AtMostOnce);
            return client;
        }

        /// <summary>An MQTTnet client that keeps what the broker sends it, in order.</summary>
        private sealed class TwinClient : IDisposable
        {
            private readonly Channel<(string Topic, string Payload)> _incoming = Channel.CreateUnbounded<(string Topic, string Payload)>();
            private readonly List<(string Topic, string Payload)> _received = new();

            public TwinClient()
            {
                Device.Client.ApplicationMessageReceivedAsync += e =>
                {
                    var message = (e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                    lock (_received)
                    {
                        _received.Add(message);
                    }

                    _incoming.Writer.TryWrite(message);
                    return Task.CompletedTask;
                };
            }

            public DeviceClients.Watched Device { get; } = new DeviceClients.Watched();

            public bool IsConnected => Device.Client.IsConnected;

            /// <summary>Everything received so far, in order.</summary>
            public IReadOnlyList<(string Topic, string Payload)> Received
            {
                get
                {
                    lock (_received)
                    {
                        return _received.ToArray();
                    }
                }
            }

            public Task PublishAsync(string topic, string payload)
                => Device.Client.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(Encoding.UTF8.GetBytes(payload))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build());

            /// <summary>The next message the broker sent, within the test's wait.</summary>
            public async Task<(string Topic, string Payload)> NextAsync()
            {
                using var timeout = new CancellationTokenSource(Wait);
                return await _incoming.Reader.ReadAsync(timeout.Token);
            }

            /// <summary>Publishes a twin request and returns the next message, which must be its answer.</summary>
            public async Task<(string Topic, string Payload)> RequestAsync(string topic, string payload)
            {
                await PublishAsync(topic, payload);
                return await NextAsync();
            }

            public void Dispose() => Device.Dispose();
        }
    }
}
