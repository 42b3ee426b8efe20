using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using NanoSecurity.Tests.Twin;
using Xunit;
using static NanoSecurity.Tests.Detections.DetectionTestSupport;

namespace NanoSecurity.Tests.Detections
{
    /// <summary>nanoSecurity:DetectionConfiguration in the module twin: read, validated, put in force, reported valid against its schema.</summary>
    public class DetectionTwinTests
    {
        private const string Microsoft = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";
        private const string Detection = "nanoSecurity:DetectionConfiguration";

        private static byte[] FullTwin(string detection, int version = 2, string microsoft = "{}") =>
            Encoding.UTF8.GetBytes("{\"desired\":{\"" + Microsoft + "\":" + microsoft + ",\"" + Detection + "\":" + detection + ",\"$version\":" + version + "},\"reported\":{}}");

        private static byte[] Patch(string detection, int version) =>
            Encoding.UTF8.GetBytes("{\"" + Detection + "\":" + detection + ",\"$version\":" + version + "}");

        private static bool Apply(ModuleHarness h, byte[] document, bool full = true) => h.Module.ApplyTwin(document, 0, document.Length, full);

        private static JsonObject Reported(ModuleHarness h)
        {
            string reported = Encoding.UTF8.GetString(h.Module.GetReportedProperties());
            TwinSchema.AssertValidReported(reported);
            return JsonNode.Parse(reported)![Detection]!.AsObject();
        }

        private static string[] Strings(JsonObject reported, string property) =>
            reported[property]!["value"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

        private static List<(string Name, string Type, string Used, string Message)> ErrorsSent(ModuleHarness h)
        {
            h.RunSeconds(AscPortConfig.HighPriorityInterval);
            return h.Sink.Events.Where(e => e.GetProperty("Name").GetString() == "ConfigurationError")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .Select(i => (i.GetProperty("ConfigurationName").GetString()!, i.GetProperty("ErrorType").GetString()!, i.GetProperty("UsedConfiguration").GetString()!, i.GetProperty("Message").GetString()!))
                .ToList();
        }

        [Fact]
        public void TheDefaultsAreReportedInTheDesiredShape()
        {
            var h = new ModuleHarness();
            JsonObject reported = Reported(h);
            Assert.True(reported["enabled"]!["value"]!.GetValue<bool>());
            Assert.Empty(Strings(reported, "deniedRemoteAddresses"));
            Assert.Equal(AscPortConfig.DetectionsActiveConnectionsMax, reported["activeConnectionsMax"]!["value"]!.GetValue<int>());
            Assert.Equal("PT1M", reported["portScanWindow"]!["value"]!.GetValue<string>());
        }

        [Fact]
        public void RulesFromTheTwinAreInForceAndReported()
        {
            var h = Started(Rules(s => { }));
            Assert.True(Apply(h, FullTwin(
                "{\"deniedRemoteAddresses\":{\"value\":[\"203.0.113.7/24\",\"2001:db8::/32\"]},"
                + "\"allowedRemoteAddresses\":{\"value\":[\"10.0.0.0/8\"]},"
                + "\"expectedListeningPorts\":{\"value\":[\"tcp/80\",\"UDP/5353\"]},"
                + "\"activeConnectionsMin\":{\"value\":0},\"activeConnectionsMax\":{\"value\":50},"
                + "\"portScanDistinctPorts\":{\"value\":10},\"portScanWindow\":{\"value\":\"PT30S\"},\"enabled\":{\"value\":true}}")));

            JsonObject reported = Reported(h);
            Assert.Equal(new[] { "203.0.113.0/24", "2001:db8::/32" }, Strings(reported, "deniedRemoteAddresses"));
            Assert.Equal(new[] { "10.0.0.0/8" }, Strings(reported, "allowedRemoteAddresses"));
            Assert.Equal(new[] { "tcp/80", "udp/5353" }, Strings(reported, "expectedListeningPorts"));
            Assert.Equal(50, reported["activeConnectionsMax"]!["value"]!.GetValue<int>());
            Assert.Equal(10, reported["portScanDistinctPorts"]!["value"]!.GetValue<int>());
            Assert.Equal("PT30S", reported["portScanWindow"]!["value"]!.GetValue<string>());

            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 4444, 60);
            h.Engine.Tick();
            Assert.Equal("203.0.113.0/24", Detail(Assert.Single(DiagnosticItems(h.Sink)), "Rule"));
        }

        [Fact]
        public void APatchChangesWhatItNamesAndNullResets()
        {
            var h = Started(Rules(s => { }));
            Assert.True(Apply(h, FullTwin("{\"deniedRemoteAddresses\":{\"value\":[\"203.0.113.0/24\"]},\"activeConnectionsMax\":{\"value\":9}}")));
            Assert.True(Apply(h, Patch("{\"activeConnectionsMax\":{\"value\":7}}", 3), full: false));
            JsonObject reported = Reported(h);
            Assert.Equal(new[] { "203.0.113.0/24" }, Strings(reported, "deniedRemoteAddresses"));
            Assert.Equal(7, reported["activeConnectionsMax"]!["value"]!.GetValue<int>());

            Assert.True(Apply(h, Patch("{\"deniedRemoteAddresses\":null,\"activeConnectionsMax\":{\"value\":null}}", 4), full: false));
            reported = Reported(h);
            Assert.Empty(Strings(reported, "deniedRemoteAddresses"));
            Assert.Equal(AscPortConfig.DetectionsActiveConnectionsMax, reported["activeConnectionsMax"]!["value"]!.GetValue<int>());

            Assert.True(Apply(h, Patch("{\"enabled\":{\"value\":false}}", 5), full: false));
            Assert.False(Reported(h)["enabled"]!["value"]!.GetValue<bool>());
            Assert.True(Apply(h, Patch("null", 6), full: false));
            Assert.True(Reported(h)["enabled"]!["value"]!.GetValue<bool>());
        }

        [Theory]
        [InlineData("{\"deniedRemoteAddresses\":{\"value\":[\"10.0.0.0/33\"]}}", "deniedRemoteAddresses", "\"10.0.0.0/33\" is not a CIDR range")]
        [InlineData("{\"allowedRemoteAddresses\":{\"value\":\"10.0.0.0/8\"}}", "allowedRemoteAddresses", "expected an array of strings")]
        [InlineData("{\"allowedRemoteAddresses\":{\"value\":[10]}}", "allowedRemoteAddresses", "item 1 is not a string")]
        [InlineData("{\"expectedListeningPorts\":{\"value\":[\"sctp/1\"]}}", "expectedListeningPorts", "is not tcp/PORT or udp/PORT")]
        [InlineData("{\"activeConnectionsMax\":{\"value\":-1}}", "activeConnectionsMax", "expected a whole number 0..65535")]
        [InlineData("{\"portScanDistinctPorts\":{\"value\":1.5}}", "portScanDistinctPorts", "expected a whole number")]
        [InlineData("{\"portScanWindow\":{\"value\":\"P2D\"}}", "portScanWindow", "1 second to 1 day")]
        [InlineData("{\"enabled\":{\"value\":\"yes\"}}", "enabled", "expected true or false")]
        [InlineData("{\"activeConnectionsMin\":{\"value\":5},\"activeConnectionsMax\":{\"value\":4}}", "activeConnectionsMin", "is above activeConnectionsMax 4")]
        [InlineData("[1]", Detection, "is not an object")]
        public void AnInvalidValueIsAConfigurationErrorNamingItAndChangesNothing(string detection, string property, string message)
        {
            var h = Started(Rules(s => { }));
            Assert.True(Apply(h, FullTwin("{\"deniedRemoteAddresses\":{\"value\":[\"198.51.100.0/24\"]}}")));
            string before = Encoding.UTF8.GetString(h.Module.GetReportedProperties());

            // Microsoft's part of the same document is valid, yet not applied either.
            Assert.False(Apply(h, FullTwin(detection, 3, "{\"snapshotFrequency\":{\"value\":\"PT2H\"}}")));
            Assert.Equal(before, Encoding.UTF8.GetString(h.Module.GetReportedProperties()));
            var error = Assert.Single(ErrorsSent(h), e => e.Name == property);
            Assert.Contains(message, error.Message);
            Assert.Equal(detection.Contains("Min") ? "Conflict" : "TypeMismatch", error.Type);
            foreach (byte[] m in h.Sink.Messages)
            {
                SecurityMessageSchema.AssertValid(m, m.Length);
            }
        }

        [Fact]
        public void AListLongerThanTheCapacityIsClampedAndReportedAsAConflict()
        {
            var h = Started(Rules(s => { }));
            int capacity = AscPortConfig.DetectionsMaxDeniedRanges;
            string ranges = string.Join(",", Enumerable.Range(0, capacity + 4).Select(i => "\"10." + i + ".0.0/16\""));
            Assert.True(Apply(h, FullTwin("{\"deniedRemoteAddresses\":{\"value\":[" + ranges + "]}}")));

            Assert.Equal(Enumerable.Range(0, capacity).Select(i => "10." + i + ".0.0/16"), Strings(Reported(h), "deniedRemoteAddresses"));
            var error = Assert.Single(ErrorsSent(h));
            Assert.Equal("deniedRemoteAddresses", error.Name);
            Assert.Equal("Conflict", error.Type);
            Assert.Equal("deniedRemoteAddresses holds " + (capacity + 4) + " items, more than the " + capacity
                + " compiled in (ASC_DETECTIONS_MAX_DENIED_RANGES); the first " + capacity + " are used", error.Message);
            Assert.StartsWith("10.0.0.0/16,10.1.0.0/16,", error.Used);
        }

        [Fact]
        public void TheSchemaRefusesWhatTheModuleRefuses()
        {
            Assert.True(DetectionSchema.IsValid("{\"deniedRemoteAddresses\":{\"value\":[\"203.0.113.0/24\",\"::1\"]},\"portScanWindow\":{\"value\":\"PT1M\"}}", out _));
            Assert.False(DetectionSchema.IsValid("{\"deniedRemoteAddresses\":{\"value\":[\"203.0.113.0/33\"]}}", out _));
            Assert.False(DetectionSchema.IsValid("{\"expectedListeningPorts\":{\"value\":[\"sctp/1\"]}}", out _));
            Assert.False(DetectionSchema.IsValid("{\"activeConnectionsMax\":{\"value\":-1}}", out _));
            Assert.False(DetectionSchema.IsValid("{\"deniedRemoteAddresses\":[\"203.0.113.0/24\"]}", out _));
            Assert.False(DetectionSchema.IsValid("{\"unknown\":{\"value\":1}}", out _));
        }

        /// <summary>
        /// Random lists of random strings and random values: the parser never throws, a document is
        /// applied exactly when every item of it is valid, a refused one names the property and
        /// changes nothing, and every report is valid against the schema.
        /// </summary>
        [Fact]
        public void FuzzedDetectionObjectsAreBoundedWithClearErrors()
        {
            Gen<string> item = Gen.OneOf(
                Gen.Char["0123456789abcdef:./"].Array[0, 20].Select(c => new string(c)),
                Gen.Select(Gen.Byte.Array[4], Gen.Int[0, 40], (b, p) => new System.Net.IPAddress(b) + "/" + p),
                Gen.Select(Gen.Byte.Array[16], Gen.Int[0, 140], (b, p) => new System.Net.IPAddress(b) + "/" + p));
            Gen<string[]> list = item.Array[0, 20];
            Gen.Select(list, Gen.Int[-2, 70000], Gen.Bool).Sample((items, max, asNumber) =>
            {
                var defaults = new DetectionSettings();
                var current = new DetectionSettings();
                var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
                parser.UseDetections(defaults, current);
                var errors = new ConfigurationErrorList(16);
                string json = "{\"" + Detection + "\":{\"deniedRemoteAddresses\":{\"value\":" + JsonSerializer.Serialize(items)
                    + "},\"activeConnectionsMax\":{\"value\":" + (asNumber ? max.ToString() : JsonSerializer.Serialize(max.ToString())) + "}}}";
                byte[] bytes = Encoding.UTF8.GetBytes(json);
                TwinUpdateStatus status = parser.Apply(bytes, 0, bytes.Length, false, -1, AgentConfiguration.Defaults(), errors);

                bool itemsValid = items.All(i => CidrRange.TryParse(i, new CidrRange()) == null);
                bool maxValid = asNumber && max >= 0 && max <= 65535;
                Assert.Equal(itemsValid && maxValid, status == TwinUpdateStatus.Applied);
                var names = Enumerable.Range(0, errors.Count).Select(i => errors[i]).ToList();
                Assert.All(names, e => Assert.False(string.IsNullOrEmpty(e.Message)));
                if (!itemsValid)
                {
                    Assert.Contains(names, e => e.ConfigurationName == "deniedRemoteAddresses" && e.ErrorType == ConfigurationErrorType.TypeMismatch);
                }

                if (!maxValid)
                {
                    Assert.Contains(names, e => e.ConfigurationName == "activeConnectionsMax");
                }

                if (status != TwinUpdateStatus.Applied)
                {
                    Assert.True(current.SameAs(new DetectionSettings()));
                }
                else
                {
                    Assert.Equal(Math.Min(items.Length, current.DeniedRemoteAddresses.Capacity), current.DeniedRemoteAddresses.Count);
                    Assert.Equal(items.Length > current.DeniedRemoteAddresses.Capacity, names.Any(e => e.ErrorType == ConfigurationErrorType.Conflict));
                }

                var json2 = new JsonWriter(ReportedPropertiesWriter.MaxLength);
                Assert.True(ReportedPropertiesWriter.Write(json2, AgentConfiguration.Defaults(), current));
                TwinSchema.AssertValidReported(Encoding.UTF8.GetString(json2.Buffer, 0, json2.Length));
            }, iter: 3_000);
        }
    }
}
