using System.Text.Json;
using System.Text.Json.Nodes;
using NanoSecurity.Host;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Transport.Host;
using NanoSecurity.Tests.Twin;
using Xunit;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>
    /// The module twin end to end: the module's own session against the in-process broker that
    /// serves twins as IoT Hub does. Each test registers a module identity of its own, so that
    /// its twin starts empty. Collections run on the harness's fake clock, and so do the
    /// session's twin retries; the session itself runs on its own thread.
    /// </summary>
    public class TwinSessionTests : IClassFixture<IotHubRulesBrokerFixture>
    {
        private const string ModuleId = "azureiotsecurity";
        private const string ConfigurationObject = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private readonly IotHubRulesBrokerFixture _hub;

        public TwinSessionTests(IotHubRulesBrokerFixture hub) => _hub = hub;

        private IotHubRulesBroker Broker => _hub.Broker;

        [Fact]
        public async Task AtConnectTheModuleReadsTheTwinAndReportsTheConfigurationInForce()
        {
            string client = NewIdentity(out string cs);
            Broker.SetDesiredProperties(client, Desired(
                ("highPriorityMessageFrequency", "\"PT1M\""),
                ("eventPriorityConnectionCreate", "\"high\""),
                ("maxMessageSizeInBytes", "262144")));
            using HubModuleHarness h = Start(cs);

            JsonObject reported = await Broker.WaitForReportedAsync(
                client, r => Value(r, "highPriorityMessageFrequency") == "PT1M", Patience);

            // The schema's casing, the defaults for what the twin leaves out, and the size as it is used.
            Assert.Equal("High", Value(reported, "eventPriorityConnectionCreate"));
            Assert.Equal("PT5H", Value(reported, "lowPriorityMessageFrequency"));
            Assert.Equal(AscPortConfig.MaxMessageSize.ToString(), Value(reported, "maxMessageSizeInBytes"));
            TwinRequest[] requests = Broker.TwinRequests.Where(r => r.ClientId == client).ToArray();
            Assert.Equal((TwinRequest.Get, 200), (requests[0].Kind, requests[0].Status));
            TwinRequest report = requests.First(r => r.Kind == TwinRequest.Patch);
            Assert.Equal(204, report.Status);
            TwinSchema.AssertValidReported(report.Payload);

            var inForce = new AgentConfiguration();
            h.Engine.CopyConfiguration(inForce);
            Assert.Equal(60, inForce.HighPriorityMessageFrequency);
            Assert.Equal(EventPriority.High, inForce.EventPriorityConnectionCreate);
        }

        [Fact]
        public async Task WithoutAConfigurationObjectMicrosoftsDefaultsAreReported()
        {
            string client = NewIdentity(out string cs);
            using HubModuleHarness h = Start(cs);

            JsonObject reported = await Broker.WaitForReportedAsync(client, r => r[ConfigurationObject] != null, Patience);

            Assert.Equal("PT7M", Value(reported, "highPriorityMessageFrequency"));
            Assert.Equal("PT5H", Value(reported, "lowPriorityMessageFrequency"));
            Assert.Equal("PT13H", Value(reported, "snapshotFrequency"));
            Assert.Equal("PT1H", Value(reported, "aggregationIntervalConnectionCreate"));
            Assert.Equal("true", Value(reported, "aggregationEnabledConnectionCreate"));
        }

        [Fact]
        public async Task ADesiredPatchChangesTheSendingCadence()
        {
            string client = NewIdentity(out string cs);
            using HubModuleHarness h = await StartConfigured(
                client, cs, Desired(("eventPriorityConnectionCreate", "\"High\""), ("aggregationEnabledConnectionCreate", "false")), "eventPriorityConnectionCreate", "High");

            // A flow queued at the first collection waits for PT7M, the default high priority frequency.
            h.RecordFlow(7, 700);
            h.Collect();
            long queuedAt = h.Clock.ElapsedMilliseconds;
            Assert.Equal(queuedAt + 420_000, h.Engine.SendDue);
            h.Clock.Advance(60_000);
            h.Engine.Tick();
            Assert.Equal(queuedAt + 420_000, h.Engine.SendDue);
            Assert.DoesNotContain(Broker.Telemetry, p => p.ClientId == client);

            // The operator asks for PT30S: the open message is now overdue and goes at the next tick.
            await Broker.UpdateDesiredPropertiesAsync(client, Patch(("highPriorityMessageFrequency", "\"PT30S\"")));
            await Broker.WaitForReportedAsync(client, r => Value(r, "highPriorityMessageFrequency") == "PT30S", Patience);
            Assert.Equal(queuedAt + 30_000, h.Engine.SendDue);
            h.Engine.Tick();
            h.Session.Wake();

            IReadOnlyList<AcceptedPublish> telemetry = await Broker.WaitForTelemetryAsync(list => list.Any(p => p.ClientId == client), Patience, "the flow");
            AcceptedPublish message = telemetry.First(p => p.ClientId == client);
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            Assert.Contains(Events(message), e => e.GetProperty("Name").GetString() == "ConnectionCreate");
        }

        [Fact]
        public async Task AnInvalidPatchChangesNothingAndRaisesAConfigurationError()
        {
            string client = NewIdentity(out string cs);
            using HubModuleHarness h = await StartConfigured(
                client, cs, Desired(("highPriorityMessageFrequency", "\"PT1M\""), ("eventPriorityConfigurationError", "\"High\"")), "highPriorityMessageFrequency", "PT1M");
            int reportsBefore = Broker.TwinRequests.Count(r => r.ClientId == client && r.Kind == TwinRequest.Patch);

            await Broker.UpdateDesiredPropertiesAsync(client, Patch(("highPriorityMessageFrequency", "\"every minute\""), ("snapshotFrequency", "\"PT1H\"")));
            var inForce = new AgentConfiguration();
            Assert.True(SpinWait.SpinUntil(
                () => h.Module.Twin.DesiredVersion >= 2, Patience), "the patch never arrived");
            h.Engine.CopyConfiguration(inForce);
            Assert.Equal(60, inForce.HighPriorityMessageFrequency);
            Assert.Equal(AscPortConfig.SnapshotFrequency, inForce.SnapshotFrequency);

            // The error goes with the next collection, High, so within PT1M.
            h.Collect();
            h.Clock.Advance(60_000);
            h.Engine.Tick();
            h.Session.Wake();
            IReadOnlyList<AcceptedPublish> telemetry = await Broker.WaitForTelemetryAsync(
                list => list.Any(p => p.ClientId == client && Events(p).Any(e => e.GetProperty("Name").GetString() == "ConfigurationError")),
                Patience,
                "the ConfigurationError event");
            AcceptedPublish message = telemetry.First(p => p.ClientId == client && Events(p).Any(e => e.GetProperty("Name").GetString() == "ConfigurationError"));
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            JsonElement error = Events(message).First(e => e.GetProperty("Name").GetString() == "ConfigurationError").GetProperty("Payload")[0];
            Assert.Equal("highPriorityMessageFrequency", error.GetProperty("ConfigurationName").GetString());
            Assert.Equal("TypeMismatch", error.GetProperty("ErrorType").GetString());
            Assert.Equal("PT1M", error.GetProperty("UsedConfiguration").GetString());

            // Nothing changed, so nothing new was reported.
            Assert.Equal(reportsBefore, Broker.TwinRequests.Count(r => r.ClientId == client && r.Kind == TwinRequest.Patch));
        }

        [Fact]
        public async Task ThrottledTwinRequestsAreRetriedWithBackoff()
        {
            string client = NewIdentity(out string cs);
            Broker.SetDesiredProperties(client, Desired(("snapshotFrequency", "\"PT2H\"")));
            Broker.ThrottleTwinRequests = 2;
            using HubModuleHarness h = Start(cs);

            // Each 429 delays the next request on the session's clock (1 s, then 2 s): move it on until the twin is served.
            Assert.True(
                AdvanceUntil(h, () => Broker.TwinRequests.Any(r => r.ClientId == client && r.Status == 204)),
                "the twin was never served after the throttling");
            JsonObject reported = JsonNode.Parse(Broker.GetReportedProperties(client)).AsObject();
            Assert.Equal("PT2H", Value(reported, "snapshotFrequency"));

            int[] statuses = Broker.TwinRequests.Where(r => r.ClientId == client).Select(r => r.Status).ToArray();
            Assert.Equal(new[] { 429, 429, 200, 204 }, statuses);
        }

        [Fact]
        public async Task ATwinTooLargeForTheDeviceIsSkippedWithAConfigurationErrorAndTheLinkStaysUp()
        {
            string client = NewIdentity(out string cs);
            string filler = new string('x', AscPortConfig.MaxMessageSize + 2048);
            Broker.SetDesiredProperties(client, "{\"notes\":\"" + filler + "\"," + Desired(("snapshotFrequency", "\"PT2H\"")).Substring(1));
            using HubModuleHarness h = Start(cs, TestConfigurations.EveryCollection());

            // The configuration in force (here the build's) is still reported.
            JsonObject reported = await Broker.WaitForReportedAsync(client, r => r[ConfigurationObject] != null, Patience);
            Assert.Equal("PT0S", Value(reported, "snapshotFrequency"));

            h.Collect();
            IReadOnlyList<AcceptedPublish> telemetry = await Broker.WaitForTelemetryAsync(list => list.Any(p => p.ClientId == client), Patience, "the error");
            AcceptedPublish message = telemetry.First(p => p.ClientId == client);
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            JsonElement error = Events(message).Single(e => e.GetProperty("Name").GetString() == "ConfigurationError").GetProperty("Payload")[0];
            Assert.Equal("TwinConfiguration", error.GetProperty("ConfigurationName").GetString());
            Assert.Equal("TypeMismatch", error.GetProperty("ErrorType").GetString());
            Assert.Contains("exceeds", error.GetProperty("Message").GetString());
            Assert.Equal(1, Broker.AcceptedConnections.Count(c => c == client));
            Assert.Equal(SecurityModuleState.Active, h.Module.State);
        }

        [Fact]
        public async Task ARefusedReportIsNotRepeatedUntilTheConfigurationChanges()
        {
            string client = NewIdentity(out string cs);
            Broker.RefuseReportedProperties = true;
            try
            {
                using HubModuleHarness h = Start(cs);
                await Broker.WaitForTwinRequestsAsync(r => r.Any(x => x.ClientId == client && x.Kind == TwinRequest.Patch), Patience, "the first report");

                // 400: the hub would refuse the same document again, so the session does not retry it,
                // however long it waits; a new configuration is reported anew.
                Assert.False(AdvanceUntil(h, () => Broker.TwinRequests.Count(r => r.ClientId == client && r.Kind == TwinRequest.Patch) > 1, TimeSpan.FromSeconds(2)));
                await Broker.UpdateDesiredPropertiesAsync(client, Patch(("snapshotFrequency", "\"PT3H\"")));
                await Broker.WaitForTwinRequestsAsync(r => r.Count(x => x.ClientId == client && x.Kind == TwinRequest.Patch) == 2, Patience, "the report of the change");

                Assert.All(Broker.TwinRequests.Where(r => r.ClientId == client && r.Kind == TwinRequest.Patch), r => Assert.Equal(400, r.Status));
                Assert.Equal(1, Broker.AcceptedConnections.Count(c => c == client));
                var inForce = new AgentConfiguration();
                h.Engine.CopyConfiguration(inForce);
                Assert.Equal(3 * 3600, inForce.SnapshotFrequency);
            }
            finally
            {
                Broker.RefuseReportedProperties = false;
            }
        }

        [Fact]
        public async Task EveryReconnectReadsTheTwinAgain()
        {
            string client = NewIdentity(out string cs);
            using HubModuleHarness h = Start(cs);
            await Broker.WaitForReportedAsync(client, r => r[ConfigurationObject] != null, Patience);

            // Changed while the link is down: IoT Hub does not push it, the GET after the reconnect brings it.
            Broker.SetDesiredProperties(client, Desired(("lowPriorityMessageFrequency", "\"PT6H\"")));
            await Broker.DisconnectClientAsync(client);
            await Broker.WaitForReportedAsync(client, r => Value(r, "lowPriorityMessageFrequency") == "PT6H", Patience);

            Assert.Equal(2, Broker.TwinRequests.Count(r => r.ClientId == client && r.Kind == TwinRequest.Get));
        }

        /// <summary>Moves the fake clock by 250 ms every 20 ms of real time until the condition holds or patience (by default <see cref="Patience"/>) runs out.</summary>
        private static bool AdvanceUntil(HubModuleHarness h, Func<bool> condition, TimeSpan? patience = null)
        {
            DateTime end = DateTime.UtcNow + (patience ?? Patience);
            while (!condition())
            {
                if (DateTime.UtcNow > end)
                {
                    return false;
                }

                h.Clock.Advance(250);
                h.Session.Wake();
                Thread.Sleep(20);
            }

            return true;
        }

        /// <summary>Registers a module identity of its own; returns its client id.</summary>
        private string NewIdentity(out string connectionString)
        {
            string device = "twin-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string key = IotHubRulesBroker.NewSymmetricKey();
            Broker.AddModule(device, ModuleId, key);
            connectionString = $"HostName=localhost;DeviceId={device};ModuleId={ModuleId};SharedAccessKey={key}";
            return device + "/" + ModuleId;
        }

        /// <summary>Gives the identity a desired configuration, starts the module and waits until it reports <paramref name="property"/> = <paramref name="value"/>.</summary>
        private async Task<HubModuleHarness> StartConfigured(string client, string connectionString, string desired, string property, string value)
        {
            Broker.SetDesiredProperties(client, desired);
            HubModuleHarness h = Start(connectionString);
            await Broker.WaitForReportedAsync(client, r => Value(r, property) == value, Patience);
            return h;
        }

        private HubModuleHarness Start(string connectionString, AgentConfiguration defaults = null)
        {
            var h = new HubModuleHarness(
                connectionString,
                Broker.TlsPort,
                new TlsChannelOptions { CaCertificateFile = Broker.Certificates.CaCertificateFile },
                defaults ?? AgentConfiguration.Defaults());
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            return h;
        }

        private static string Desired(params (string Name, string Json)[] properties) => Patch(properties);

        private static string Patch(params (string Name, string Json)[] properties) =>
            "{\"" + ConfigurationObject + "\":{" + string.Join(",", properties.Select(p => $"\"{p.Name}\":{{\"value\":{p.Json}}}")) + "}}";

        private static string Value(JsonObject reported, string property)
        {
            JsonNode value = reported[ConfigurationObject]?[property]?["value"];
            return value == null ? null : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        }

        private static JsonElement[] Events(AcceptedPublish message) =>
            JsonDocument.Parse(message.Payload).RootElement.GetProperty("Events").EnumerateArray().ToArray();
    }
}
