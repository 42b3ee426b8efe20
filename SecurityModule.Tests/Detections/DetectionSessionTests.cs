using System.Text.Json;
using NanoSecurity.Host;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Transport.Host;
using NanoSecurity.Tests.Transport.Session;
using Xunit;
using static NanoSecurity.Tests.Detections.DetectionTestSupport;

namespace NanoSecurity.Tests.Detections
{
    /// <summary>The module's own driving thread and session deliver a detection to the in-process IoT-Hub-rules broker, with PT7M frequencies and no collection due.</summary>
    public class DetectionSessionTests : IClassFixture<IotHubRulesBrokerFixture>
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private readonly IotHubRulesBrokerFixture _hub;

        public DetectionSessionTests(IotHubRulesBrokerFixture hub) => _hub = hub;

        [Fact]
        public async Task TheDrivingThreadSendsADetectionAtOnce()
        {
            string cs = $"HostName=localhost;DeviceId={IotHubRulesBrokerFixture.Device2};SharedAccessKey={IotHubRulesBrokerFixture.Device2Key}";
            using var h = new HubModuleHarness(
                cs, _hub.Broker.TlsPort, new TlsChannelOptions { CaCertificateFile = _hub.Broker.Certificates.CaCertificateFile }, AgentConfiguration.Defaults());
            // The rule comes from the twin, which the module GETs at connect.
            _hub.Broker.SetDesiredProperties(
                IotHubRulesBrokerFixture.Device2,
                "{\"nanoSecurity:DetectionConfiguration\":{\"deniedRemoteAddresses\":{\"value\":[\"203.0.113.0/24\"]}}}");
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            await _hub.Broker.WaitForReportedAsync(
                IotHubRulesBrokerFixture.Device2,
                r => r["nanoSecurity:DetectionConfiguration"]?["deniedRemoteAddresses"]?["value"]?.AsArray().Count == 1,
                Patience);

            // The fake clock stands still: no collection falls due, only the detection wakes the thread.
            Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 49152, Denied, 4444, 60));

            var telemetry = await _hub.Broker.WaitForTelemetryAsync(
                list => list.Any(p => p.ClientId == IotHubRulesBrokerFixture.Device2 && Names(p.Payload).Contains("Diagnostic")), Patience, "the detection");
            AcceptedPublish message = telemetry.First(p => p.ClientId == IotHubRulesBrokerFixture.Device2 && Names(p.Payload).Contains("Diagnostic"));
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            JsonElement item = JsonDocument.Parse(message.Payload).RootElement.GetProperty("Events").EnumerateArray()
                .Single(e => e.GetProperty("Name").GetString() == "Diagnostic").GetProperty("Payload")[0];
            Assert.Equal("DeniedRemoteAddress", Detail(item, "Detection"));
            Assert.Contains("ConnectionCreate", Names(message.Payload));
        }

        private static List<string> Names(byte[] payload) =>
            JsonDocument.Parse(payload).RootElement.GetProperty("Events").EnumerateArray().Select(e => e.GetProperty("Name").GetString()!).ToList();
    }
}
