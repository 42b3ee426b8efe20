using System.Text.Json;
using NanoSecurity.Host;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Transport.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>The module's own session against the in-process broker that enforces IoT Hub's rules.</summary>
    public class IotHubSessionTests : IClassFixture<IotHubRulesBrokerFixture>
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private readonly IotHubRulesBrokerFixture _hub;

        public IotHubSessionTests(IotHubRulesBrokerFixture hub) => _hub = hub;

        private HubModuleHarness NewModule(string connectionString) =>
            new HubModuleHarness(connectionString, _hub.Broker.TlsPort, new TlsChannelOptions { CaCertificateFile = _hub.Broker.Certificates.CaCertificateFile });

        [Fact]
        public async Task TheModulePublishesSecurityMessagesAsIotHubRequires()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device2};SharedAccessKey={IotHubRulesBrokerFixture.Device2Key}";
            using var h = NewModule(cs);
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);

            h.RecordFlow(1, 1234);
            h.Collect();

            var telemetry = await _hub.Broker.WaitForTelemetryAsync(
                list => list.Any(p => p.ClientId == IotHubRulesBrokerFixture.Device2), Patience, "the module's message");
            AcceptedPublish message = telemetry.First(p => p.ClientId == IotHubRulesBrokerFixture.Device2);
            Assert.Equal(
                "devices/dev2/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1",
                message.Topic);
            Assert.Equal(1, message.QualityOfService);
            Assert.False(message.Retain);
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            JsonElement flow = JsonDocument.Parse(message.Payload).RootElement.GetProperty("Events").EnumerateArray()
                .Single(e => e.GetProperty("Name").GetString() == "ConnectionCreate").GetProperty("Payload")[0];
            Assert.Equal("1234", flow.GetProperty("ExtraDetails").GetProperty("BytesOut").GetString());
            Assert.Equal(AgentId.FromDeviceId("dev2"), JsonDocument.Parse(message.Payload).RootElement.GetProperty("AgentId").GetString());
        }

        [Fact]
        public async Task AModuleIdentityUsesItsModuleTopic()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device1};ModuleId={IotHubRulesBrokerFixture.Module};SharedAccessKey={IotHubRulesBrokerFixture.ModuleKey}";
            using var h = NewModule(cs);
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            h.Collect();

            var telemetry = await _hub.Broker.WaitForTelemetryAsync(
                list => list.Any(p => p.ClientId == "dev1/azureiotsecurity"), Patience, "the module identity's message");
            Assert.StartsWith("devices/dev1/modules/azureiotsecurity/messages/events/%24.ct=", telemetry.First(p => p.ClientId == "dev1/azureiotsecurity").Topic);
        }

        [Fact]
        public async Task AWrongKeyGivesAClearAuthorizationErrorAndBacksOff()
        {
            string wrongKey = IotHubRulesBroker.NewSymmetricKey();
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device1};SharedAccessKey={wrongKey}";
            int before = _hub.Broker.RejectedConnections.Count(r => r.ClientId == IotHubRulesBrokerFixture.Device1);
            using var h = NewModule(cs);
            h.Start();

            await _hub.Broker.WaitForRejectedConnectionsAsync(before + 1, Patience);
            RejectedConnection rejected = _hub.Broker.RejectedConnections.Last(r => r.ClientId == IotHubRulesBrokerFixture.Device1);
            Assert.Equal(ConnectReturnCode.NotAuthorized, rejected.ReturnCode);

            // Backoff: 0.5-1 s, then 1-2 s, then 2-4 s. A tight loop would make hundreds of attempts.
            Thread.Sleep(3000);
            int attempts = _hub.Broker.RejectedConnections.Count(r => r.ClientId == IotHubRulesBrokerFixture.Device1) - before;
            Assert.InRange(attempts, 1, 4);
            Assert.Contains("not authorized", h.Session.LastError, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(wrongKey, h.Session.LastError);
            Assert.True(h.Session.FailedAttempts >= 1);
            Assert.NotEqual(SecurityModuleState.Active, h.Module.State);
        }

        [Fact]
        public async Task WakingTheSessionDoesNotCutTheReconnectBackoffShort()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device2};SharedAccessKey={IotHubRulesBroker.NewSymmetricKey()}";
            int before = _hub.Broker.RejectedConnections.Count(r => r.ClientId == IotHubRulesBrokerFixture.Device2);
            using var h = NewModule(cs);
            h.Start();
            await _hub.Broker.WaitForRejectedConnectionsAsync(before + 1, Patience);
            int afterFirst = _hub.Broker.RejectedConnections.Count(r => r.ClientId == IotHubRulesBrokerFixture.Device2);

            // What the driving thread does after every engine tick. When each wake ended the backoff,
            // every one of these was a new TLS handshake and a new refusal.
            for (int i = 0; i < 60; i++)
            {
                h.Session.Wake();
                Thread.Sleep(20);
            }

            h.Module.Stop();
            int during = _hub.Broker.RejectedConnections.Count(r => r.ClientId == IotHubRulesBrokerFixture.Device2) - afterFirst;

            // The backoff schedule (0.5-1 s, 1-2 s, 2-4 s) allows at most three more attempts even if the
            // 60 wakes took seconds on a loaded machine; here the 60 wakes used to give 9 or more.
            Assert.InRange(during, 0, 3);
        }

        [Fact]
        public void TheTokenIsRenewedByReconnectingAtEightyPercentOfItsLifetime()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device1};SharedAccessKey={IotHubRulesBrokerFixture.Device1Key}";
            using var h = NewModule(cs);
            h.Session.TokenLifetimeSeconds = 50;
            int before = _hub.Broker.AcceptedConnections.Count(c => c == IotHubRulesBrokerFixture.Device1);
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);

            // 80% of 50 s on the session's clock: the next pump reconnects with a fresh token.
            h.Clock.Advance(41_000);
            DateTime end = DateTime.UtcNow + Patience;
            while (_hub.Broker.AcceptedConnections.Count(c => c == IotHubRulesBrokerFixture.Device1) < before + 2 && DateTime.UtcNow < end)
            {
                Thread.Sleep(50);
            }

            Assert.Equal(before + 2, _hub.Broker.AcceptedConnections.Count(c => c == IotHubRulesBrokerFixture.Device1));
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience));
        }
    }
}
