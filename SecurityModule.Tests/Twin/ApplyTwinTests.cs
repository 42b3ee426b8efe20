using System.Text;
using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>The public twin API for an application that holds the IoT Hub connection itself.</summary>
    public class ApplyTwinTests
    {
        private const string ConfigurationObject = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        [Fact]
        public void AnAppliedTwinIsReportedAndRepeatingItChangesNothing()
        {
            var h = new ModuleHarness(configuration: AgentConfiguration.Defaults());
            string reportedAtStart = Encoding.UTF8.GetString(h.Module.GetReportedProperties());
            TwinSchema.AssertValidReported(reportedAtStart);
            Assert.Equal("PT7M", Value(reportedAtStart, "highPriorityMessageFrequency"));

            byte[] twin = Encoding.UTF8.GetBytes(
                "{\"desired\":{\"" + ConfigurationObject + "\":{\"highPriorityMessageFrequency\":{\"value\":\"PT1M\"}},\"$version\":3},\"reported\":{}}");
            Assert.True(h.Module.ApplyTwin(twin, 0, twin.Length, isFullTwin: true));
            Assert.False(h.Module.ApplyTwin(twin, 0, twin.Length, isFullTwin: true));

            string reported = Encoding.UTF8.GetString(h.Module.GetReportedProperties());
            TwinSchema.AssertValidReported(reported);
            Assert.Equal("PT1M", Value(reported, "highPriorityMessageFrequency"));
            var inForce = new AgentConfiguration();
            h.Engine.CopyConfiguration(inForce);
            Assert.Equal(60, inForce.HighPriorityMessageFrequency);
        }

        [Fact]
        public void AnInvalidPatchChangesNothingAndIsReportedAsAConfigurationError()
        {
            var configuration = TestConfigurations.EveryCollection();
            var h = new ModuleHarness(configuration: configuration);
            byte[] patch = Encoding.UTF8.GetBytes(
                "{\"" + ConfigurationObject + "\":{\"eventPriorityListeningPorts\":{\"value\":\"Sometimes\"}},\"$version\":2}");

            Assert.False(h.Module.ApplyTwin(patch, 0, patch.Length, isFullTwin: false));

            h.StartEngine();
            h.RunFirstCollection();
            JsonElement error = h.Sink.Events.Single(e => e.GetProperty("Name").GetString() == "ConfigurationError").GetProperty("Payload")[0];
            Assert.Equal("eventPriorityListeningPorts", error.GetProperty("ConfigurationName").GetString());
            Assert.Equal("TypeMismatch", error.GetProperty("ErrorType").GetString());
            Assert.Equal("High", error.GetProperty("UsedConfiguration").GetString());
            Assert.Throws<ArgumentNullException>(() => h.Module.ApplyTwin(null, 0, 0, true));
        }

        private static string Value(string reported, string property) =>
            JsonDocument.Parse(reported).RootElement.GetProperty(ConfigurationObject).GetProperty(property).GetProperty("value").GetString();
    }
}
