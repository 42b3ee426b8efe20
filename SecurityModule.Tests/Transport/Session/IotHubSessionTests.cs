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

        private static readonly byte[] EmptyPatch = "{}"u8.ToArray();

        private HubModuleHarness NewModule(string connectionString, IRandomSource random = null, AgentConfiguration defaults = null, IUtcClock utc = null) =>
            new HubModuleHarness(connectionString, _hub.Broker.TlsPort, new TlsChannelOptions { CaCertificateFile = _hub.Broker.Certificates.CaCertificateFile }, defaults, random, utc);

        private int Rejected(string clientId) => _hub.Broker.RejectedConnections.Count(r => r.ClientId == clientId);

        private static HashSet<string> FlowPorts(byte[] payload) =>
            JsonDocument.Parse(payload).RootElement.GetProperty("Events").EnumerateArray()
                .Where(e => e.GetProperty("Name").GetString() == "ConnectionCreate")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .Select(f => f.GetProperty("RemotePort").GetString())
                .ToHashSet();

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
                list => list.Any(p => p.ClientId == IotHubRulesBrokerFixture.Device2 && FlowPorts(p.Payload).Contains("2")), Patience, "the module's message");
            AcceptedPublish message = telemetry.First(p => p.ClientId == IotHubRulesBrokerFixture.Device2 && FlowPorts(p.Payload).Contains("2"));
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
        public async Task AWrongKeyIsRetriedOnTheBackoffScheduleWhileTheModuleRuns()
        {
            string wrongKey = IotHubRulesBroker.NewSymmetricKey();
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device1};SharedAccessKey={wrongKey}";
            int before = Rejected(IotHubRulesBrokerFixture.Device1);

            // Each wait is 1/50 of its ceiling: the schedule is exact, the test takes seconds.
            var random = new BackoffRecordingRandom(divisor: 50);
            using var h = NewModule(cs, random);
            h.Start();
            await _hub.Broker.WaitForRejectedConnectionsAsync(before + 1, Patience);

            // The driving thread ticks and wakes the session all the while, as on a device; when a
            // wake ended the backoff, each of these was one more TLS handshake and refusal.
            h.TickUntil(() => random.Ceilings.Length >= 8, Patience);
            Assert.True(random.Ceilings.Length >= 8, "backoff draws: " + string.Join(",", random.Ceilings));
            h.Module.Stop(0);
            int attempts = Rejected(IotHubRulesBrokerFixture.Device1) - before;

            int[] ceilings = random.Ceilings;
            Assert.Equal(new[] { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 }, ceilings.Take(8));

            // Every attempt but the one under way at Stop was followed by its backoff draw.
            Assert.InRange(attempts, ceilings.Length - 1, ceilings.Length + 1);
            RejectedConnection rejected = _hub.Broker.RejectedConnections.Last(r => r.ClientId == IotHubRulesBrokerFixture.Device1);
            Assert.Equal(ConnectReturnCode.NotAuthorized, rejected.ReturnCode);
            Assert.Contains("not authorized", h.Session.LastError, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(wrongKey, h.Session.LastError);
            Assert.True(h.Session.FailedAttempts >= 8);
            Assert.NotEqual(SecurityModuleState.Active, h.Module.State);
        }

        [Fact]
        public void StopDeliversTheOpenMessageBeforeItDisconnects()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device2};SharedAccessKey={IotHubRulesBrokerFixture.Device2Key}";

            // Microsoft's sending defaults: a collection's events wait up to 7 minutes in the open message.
            AgentConfiguration defaults = AgentConfiguration.Defaults();
            defaults.AggregationEnabledConnectionCreate = false;
            using var h = NewModule(cs, defaults: defaults);
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            h.RecordFlow(42, 4242);
            h.Collect();
            Func<AcceptedPublish, bool> holdsTheFlow = p => p.ClientId == IotHubRulesBrokerFixture.Device2 && FlowPorts(p.Payload).Contains("43");
            Assert.DoesNotContain(_hub.Broker.Telemetry, p => holdsTheFlow(p));

            h.Module.Stop();

            // Stop returned: the message was closed, published and acknowledged before the session ended.
            AcceptedPublish message = Assert.Single(_hub.Broker.Telemetry, p => holdsTheFlow(p));
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);

            // The connection Stop ended is not a failed one, and no next attempt is announced.
            Assert.Equal(0, h.Session.FailedAttempts);
        }

        [Fact]
        public void AThrowingWallClockIsContainedAndTheSessionStillConnects()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device1};SharedAccessKey={IotHubRulesBrokerFixture.Device1Key}";
            using var h = NewModule(cs, utc: new ThrowingUtcClock(failuresPerThread: 2));
            h.Start();

            // The session thread meets the throwing clock first, then connects.
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            Assert.True(h.Session.Faults >= 1, "session faults: " + h.Session.Faults);

            // The driving thread met it too, and still drives: a collection it runs goes out.
            int before = _hub.Broker.Telemetry.Count(p => p.ClientId == IotHubRulesBrokerFixture.Device1);
            DateTime end = DateTime.UtcNow + Patience;
            while (_hub.Broker.Telemetry.Count(p => p.ClientId == IotHubRulesBrokerFixture.Device1) == before && DateTime.UtcNow < end)
            {
                h.Clock.ElapsedMilliseconds = h.Engine.NextDue(CollectorPriority.High);
                h.Module.ApplyTwin(EmptyPatch, 0, EmptyPatch.Length, false);
                Thread.Sleep(20);
            }

            Assert.True(h.Module.Faults > h.Session.Faults, "no fault on the driving thread: " + h.Module.Faults);
            Assert.True(_hub.Broker.Telemetry.Count(p => p.ClientId == IotHubRulesBrokerFixture.Device1) > before, "the driving thread stopped");
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
