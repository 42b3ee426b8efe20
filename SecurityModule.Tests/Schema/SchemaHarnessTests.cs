using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Sdk;

namespace NanoSecurity.Tests
{
    /// <summary>Shows that the schema harness accepts what Defender accepts and nothing else.</summary>
    public class SchemaHarnessTests
    {
        private const string Minimal = @"{
            ""AgentVersion"": ""0.1.0"",
            ""AgentId"": ""0b8f1c52-6c3e-4d1a-9f0e-2a7b5c9d8e41"",
            ""MessageSchemaVersion"": ""1.0"",
            ""Events"": [
                {
                    ""Id"": ""5d2f7a10-3b4c-4e6f-8a9b-0c1d2e3f4a5b"",
                    ""TimestampLocal"": ""2024-02-29T23:59:59.999+05:30"",
                    ""TimestampUTC"": ""2024-02-29T18:29:59.999Z"",
                    ""Category"": ""Triggered"",
                    ""Name"": ""ConnectionCreate"",
                    ""EventType"": ""Security"",
                    ""IsEmpty"": false,
                    ""PayloadSchemaVersion"": ""1.0"",
                    ""Payload"": [
                        {
                            ""LocalAddress"": ""192.168.1.2"",
                            ""LocalPort"": ""49152"",
                            ""RemoteAddress"": ""2001:db8::1"",
                            ""RemotePort"": ""443"",
                            ""Protocol"": ""TCP"",
                            ""Direction"": ""Out"",
                            ""ProcessId"": 0,
                            ""Executable"": """"
                        }
                    ]
                }
            ]
        }";

        public static TheoryData<int> ValidSamples()
        {
            return SampleIndexes("valid");
        }

        public static TheoryData<int> InvalidSamples()
        {
            return SampleIndexes("invalid");
        }

        [Theory]
        [MemberData(nameof(ValidSamples))]
        public void MicrosoftsValidSampleIsValid(int index)
        {
            string sample = Sample("valid", index);
            Assert.True(SecurityMessageSchema.IsValid(sample, out string errors), errors);
            Assert.Equal(string.Empty, errors);
        }

        [Theory]
        [MemberData(nameof(InvalidSamples))]
        public void MicrosoftsInvalidSampleIsInvalid(int index)
        {
            Assert.False(SecurityMessageSchema.IsValid(Sample("invalid", index), out string errors));
            Assert.NotEqual(string.Empty, errors);
        }

        [Fact]
        public void SamplesAreThere()
        {
            Assert.Equal(13, ValidSamples().Count);
            Assert.Equal(6, InvalidSamples().Count);
        }

        [Fact]
        public void MinimalMessageIsValid()
        {
            SecurityMessageSchema.AssertValid(Minimal);

            // Only the first length bytes count: a writer's buffer holds scratch after them.
            byte[] message = Encoding.UTF8.GetBytes(Minimal + "}garbage");
            SecurityMessageSchema.AssertValid(message, message.Length - "}garbage".Length);
        }

        [Fact]
        public void PeriodicEmptyEventIsValid()
        {
            string json = Mutate(evt =>
            {
                evt["Category"] = "Periodic";
                evt["Name"] = "ListeningPorts";
                evt["IsEmpty"] = true;
                evt["Payload"] = new JsonArray();
            });
            SecurityMessageSchema.AssertValid(json);
        }

        [Fact]
        public void UnknownEventNameIsInvalid()
        {
            string errors = AssertInvalid(Mutate(evt => evt["Name"] = "Heartbeat"));
            Assert.Contains("event #0 (Heartbeat)", errors);
            Assert.Contains("Name is none of the event schemas' names", errors);
        }

        [Fact]
        public void TriggeredEmptyEventIsInvalid()
        {
            string errors = AssertInvalid(Mutate(evt => evt["IsEmpty"] = true));
            Assert.Contains("event #0 (ConnectionCreate)", errors);
            Assert.Contains("/Events/0/IsEmpty: enum", errors);

            AssertInvalid(Mutate(evt =>
            {
                evt["IsEmpty"] = true;
                evt["Payload"] = new JsonArray();
            }));
        }

        [Fact]
        public void PortAsNumberIsInvalid()
        {
            string errors = AssertInvalid(Mutate(evt => evt["Payload"][0]["LocalPort"] = 49152));
            Assert.Contains("/Events/0/Payload/0/LocalPort: type (messageEventTypeDefinitions_v1_0.json#/port)", errors);

            // Only the event's own schema is reported, not the other thirteen.
            Assert.DoesNotContain("messageEventSecurityLogin_v1_0.json", errors);
        }

        [Fact]
        public void IpAddressMustBeAnAddress()
        {
            AssertInvalid(Mutate(evt => evt["Payload"][0]["RemoteAddress"] = "2001:db8::1::2"));
            AssertInvalid(Mutate(evt => evt["Payload"][0]["LocalAddress"] = "192.168.1.256"));
        }

        [Theory]
        [InlineData("0.0.0.0")]
        [InlineData("255.255.255.255")]
        [InlineData("::")]
        [InlineData("::1")]
        [InlineData("fe80::200:5aee:feaa:20a2")]
        [InlineData("2001:db8:85a3:8d3:1319:8a2e:370:7348")]
        [InlineData("::ffff:192.0.2.1")]
        [InlineData("::ffff:0:192.0.2.1")]
        [InlineData("::192.0.2.1")]
        [InlineData("2001:db8::5efe:192.0.2.1")]
        public void AddressFormsTheWriterUsesAreValid(string address)
        {
            SecurityMessageSchema.AssertValid(Mutate(evt => evt["Payload"][0]["RemoteAddress"] = address));
        }

        [Fact]
        public void TimestampWithSpaceFailsOnlyTheTimestampCheck()
        {
            string json = Mutate(evt => evt["TimestampUTC"] = "2024-02-29 18:29:59.999Z");

            // JsonSchema.Net's date-time lets the space pass, which is why AssertValid checks again.
            Assert.True(SecurityMessageSchema.IsValid(json, out string schemaErrors), schemaErrors);

            FailException failure = Assert.Throws<FailException>(() => SecurityMessageSchema.AssertValid(json));
            Assert.Contains("/Events/0/TimestampUTC: timestamp \"2024-02-29 18:29:59.999Z\"", failure.Message);
        }

        [Fact]
        public void TimestampWithoutOffsetIsInvalid()
        {
            AssertInvalid(Mutate(evt => evt["TimestampLocal"] = "2024-02-29T23:59:59.999"));
        }

        [Fact]
        public void DuplicateNameIsInvalid()
        {
            string json = Minimal.Replace("\"AgentVersion\": \"0.1.0\",", "\"AgentVersion\": \"0.1.0\", \"AgentVersion\": \"0.1.0\",");
            Assert.Throws<FailException>(() => SecurityMessageSchema.AssertValid(json));
        }

        [Fact]
        public void BrokenUtf8IsInvalid()
        {
            byte[] message = Encoding.UTF8.GetBytes(Minimal.Replace("0.1.0", "0.1.\u00e9"));
            int at = Array.IndexOf(message, (byte)0xC3);
            message[at + 1] = (byte)'x';
            FailException failure = Assert.Throws<FailException>(() => SecurityMessageSchema.AssertValid(message, message.Length));
            Assert.Contains("UTF-8", failure.Message);
        }

        [Fact]
        public void TruncatedJsonIsInvalid()
        {
            byte[] message = Encoding.UTF8.GetBytes(Minimal);
            FailException failure = Assert.Throws<FailException>(() => SecurityMessageSchema.AssertValid(message, message.Length - 1));
            Assert.Contains("not valid JSON", failure.Message);
        }

        private static string AssertInvalid(string json)
        {
            Assert.False(SecurityMessageSchema.IsValid(json, out string errors), "the schema accepted:\n" + json);
            Assert.Throws<FailException>(() => SecurityMessageSchema.AssertValid(json));
            return errors;
        }

        private static string Mutate(Action<JsonNode> change)
        {
            JsonNode message = JsonNode.Parse(Minimal);
            change(message["Events"][0]);
            return message.ToJsonString();
        }

        private static string Sample(string kind, int index)
        {
            using JsonDocument samples = JsonDocument.Parse(File.ReadAllText(Path.Combine(SecurityMessageSchema.Folder, "samples", "samples.json")));
            return samples.RootElement.GetProperty(kind)[index].GetRawText();
        }

        private static TheoryData<int> SampleIndexes(string kind)
        {
            using JsonDocument samples = JsonDocument.Parse(File.ReadAllText(Path.Combine(SecurityMessageSchema.Folder, "samples", "samples.json")));
            var indexes = new TheoryData<int>();
            if (samples.RootElement.TryGetProperty(kind, out JsonElement list))
            {
                for (int i = 0; i < list.GetArrayLength(); i++)
                {
                    indexes.Add(i);
                }
            }

            return indexes;
        }
    }
}
