using System.Text;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// The reported properties: every property in force, in the desired section's shape, valid
    /// against Microsoft's twin schema, and read back as the same configuration.
    /// </summary>
    public class ReportedPropertiesTests
    {
        private static readonly Gen<AgentConfiguration> Configurations = Gen.Select(
            Gen.Long[1, TwinConfigurationParser.MaxDurationSeconds].Array[4],
            Gen.Int[8192, 1024 * 1024],
            Gen.Int[8192, 65536],
            Gen.Int[0, 2].Array[7],
            Gen.Bool,
            (durations, cache, message, priorities, aggregate) =>
            {
                var c = new AgentConfiguration
                {
                    HighPriorityMessageFrequency = durations[0],
                    LowPriorityMessageFrequency = durations[1],
                    SnapshotFrequency = durations[2],
                    MaxLocalCacheSizeInBytes = cache,
                    MaxMessageSizeInBytes = message,
                    AggregationEnabledConnectionCreate = aggregate,
                    AggregationIntervalConnectionCreate = durations[3],
                };
                for (int i = 0; i < priorities.Length; i++)
                {
                    c.Set(ConfigurationProperty.EventPriorityConnectionCreate + i, priorities[i]);
                }

                return c;
            });

        [Fact]
        public void TheDefaultsAreReportedInTheDesiredShapeWithSchemaCasedPriorities()
        {
            string reported = Write(AgentConfiguration.Defaults());

            Assert.Equal(
                "{\"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration\":{"
                + "\"highPriorityMessageFrequency\":{\"value\":\"PT7M\"},"
                + "\"lowPriorityMessageFrequency\":{\"value\":\"PT5H\"},"
                + "\"snapshotFrequency\":{\"value\":\"PT13H\"},"
                + "\"maxLocalCacheSizeInBytes\":{\"value\":" + AscPortConfig.LocalCacheSize + "},"
                + "\"maxMessageSizeInBytes\":{\"value\":" + AscPortConfig.MaxMessageSize + "},"
                + "\"eventPriorityConnectionCreate\":{\"value\":\"Low\"},"
                + "\"eventPriorityListeningPorts\":{\"value\":\"High\"},"
                + "\"eventPrioritySystemInformation\":{\"value\":\"Low\"},"
                + "\"eventPriorityDroppedEventsStatistics\":{\"value\":\"Low\"},"
                + "\"eventPriorityMessageStatistics\":{\"value\":\"Low\"},"
                + "\"eventPriorityConfigurationError\":{\"value\":\"Low\"},"
                + "\"eventPriorityDiagnostic\":{\"value\":\"Low\"},"
                + "\"aggregationEnabledConnectionCreate\":{\"value\":true},"
                + "\"aggregationIntervalConnectionCreate\":{\"value\":\"PT1H\"}}}",
                reported);
            TwinSchema.AssertValidReported(reported);
        }

        [Fact]
        public void EveryReportedDocumentValidatesAgainstTheTwinSchema()
        {
            TwinSchema.AssertValidReported(Write(TwinDocuments.Unusual()));
            Configurations.Sample(c => TwinSchema.AssertValidReported(Write(c)), iter: 3_000);
        }

        [Fact]
        public void WhatMicrosoftsDefaultTwinAppliesIsReportedValid()
        {
            TwinOutcome outcome = TwinDocuments.Apply(TwinDocuments.DefaultAsFullTwin(1), isFullTwin: true);
            TwinSchema.AssertValidReported(Write(outcome.Configuration));
        }

        [Fact]
        public void TheSchemaHarnessCatchesWhatTheSchemaForbids()
        {
            // The schema itself: Microsoft's default twin passes, a bad enum or pattern does not.
            Assert.True(TwinSchema.IsValidTwin(TwinSchema.DefaultTwin["properties"].ToJsonString()));
            Assert.False(TwinSchema.IsValidTwin("{\"desired\":{\"" + TwinDocuments.ObjectName + "\":{\"eventPriorityLogin\":{\"value\":\"low\"}}}}"));
            Assert.False(TwinSchema.IsValidTwin("{\"desired\":{\"" + TwinDocuments.ObjectName + "\":{\"snapshotFrequency\":{\"value\":\"13H\"}}}}"));
            Assert.False(TwinSchema.IsValidTwin("{\"desired\":{\"" + TwinDocuments.ObjectName + "\":{\"maxMessageSizeInBytes\":{\"value\":\"8192\"}}}}"));
            Assert.False(TwinSchema.IsValidTwin("{\"reported\":{}}"));

            // And what the harness adds: declared properties only, each exactly {"value": …}.
            Assert.ThrowsAny<Exception>(() => TwinSchema.AssertValidReported("{\"" + TwinDocuments.ObjectName + "\":{\"eventPriorityLogin\":{\"value\":\"low\"}}}"));
            Assert.ThrowsAny<Exception>(() => TwinSchema.AssertValidReported("{\"" + TwinDocuments.ObjectName + "\":{\"madeUp\":{\"value\":1}}}"));
            Assert.ThrowsAny<Exception>(() => TwinSchema.AssertValidReported("{\"" + TwinDocuments.ObjectName + "\":{\"snapshotFrequency\":\"PT1H\"}}"));
            Assert.ThrowsAny<Exception>(() => TwinSchema.AssertValidReported("{\"" + TwinDocuments.ObjectName + "\":{\"snapshotFrequency\":{\"value\":\"PT1H\",\"x\":1}}}"));
            Assert.ThrowsAny<Exception>(() => TwinSchema.AssertValidReported("{\"" + TwinDocuments.ObjectName + "\":{},\"x\":{}}"));
        }

        [Fact]
        public void AReportedDocumentReadBackAsAPatchGivesTheSameConfiguration()
        {
            // A build with room for every size the twin allows, so that nothing is clamped.
            AgentConfiguration defaults = TwinDocuments.LargeBuildDefaults();
            defaults.MaxLocalCacheSizeInBytes = 16 * 1024 * 1024;
            defaults.MaxMessageSizeInBytes = 262144;
            Configurations.Sample(
                c =>
                {
                    c.LowPriorityMessageFrequency = Math.Max(c.LowPriorityMessageFrequency, c.HighPriorityMessageFrequency);
                    c.MaxLocalCacheSizeInBytes = Math.Max(c.MaxLocalCacheSizeInBytes, c.MaxMessageSizeInBytes);
                    string reported = Write(c);
                    string patch = reported.Insert(reported.Length - 1, ",\"$version\":2");
                    TwinOutcome outcome = TwinDocuments.Apply(patch, isFullTwin: false, current: TwinDocuments.Unusual(), defaults: defaults);

                    Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
                    Assert.All(outcome.Errors, e => Assert.Equal(ConfigurationErrorType.NotOptimal, e.ErrorType));
                    Assert.True(c.SameAs(outcome.Configuration), TwinDocuments.Describe(c) + "\n" + TwinDocuments.Describe(outcome.Configuration));
                },
                iter: 3_000);
        }

        [Fact]
        public void TheLongestDocumentFitsMaxLength()
        {
            var longest = new AgentConfiguration
            {
                HighPriorityMessageFrequency = TwinConfigurationParser.MaxDurationSeconds - 1,
                LowPriorityMessageFrequency = TwinConfigurationParser.MaxDurationSeconds - 1,
                SnapshotFrequency = TwinConfigurationParser.MaxDurationSeconds - 1,
                MaxLocalCacheSizeInBytes = int.MaxValue,
                MaxMessageSizeInBytes = int.MaxValue,
                EventPriorityConnectionCreate = EventPriority.High,
                EventPriorityListeningPorts = EventPriority.High,
                EventPrioritySystemInformation = EventPriority.High,
                EventPriorityDroppedEventsStatistics = EventPriority.High,
                EventPriorityMessageStatistics = EventPriority.High,
                EventPriorityConfigurationError = EventPriority.High,
                EventPriorityDiagnostic = EventPriority.High,
                AggregationEnabledConnectionCreate = false,
                AggregationIntervalConnectionCreate = TwinConfigurationParser.MaxDurationSeconds - 1,
            };

            var json = new JsonWriter(ReportedPropertiesWriter.MaxLength);
            Assert.True(ReportedPropertiesWriter.Write(json, longest));
            Assert.True(json.Length < 800, json.Length + " bytes");
            TwinSchema.AssertValidReported(Encoding.UTF8.GetString(json.Buffer, 0, json.Length));
        }

        [Fact]
        public void ADocumentThatDoesNotFitIsSaidSo()
        {
            var json = new JsonWriter(200);
            Assert.False(ReportedPropertiesWriter.Write(json, AgentConfiguration.Defaults()));
            Assert.True(json.Overflowed);
            Assert.Throws<ArgumentNullException>(() => ReportedPropertiesWriter.Write(null, AgentConfiguration.Defaults()));
            Assert.Throws<ArgumentNullException>(() => ReportedPropertiesWriter.Write(new JsonWriter(10), null));
        }

        [Fact]
        public void TheDocumentIsAppendedAfterWhatTheWriterHolds()
        {
            var json = new JsonWriter(ReportedPropertiesWriter.MaxLength + 10);
            json.WriteRaw("[");
            Assert.True(ReportedPropertiesWriter.Write(json, AgentConfiguration.Defaults()));
            Assert.Equal("[" + Write(AgentConfiguration.Defaults()), Encoding.UTF8.GetString(json.Buffer, 0, json.Length));
        }

        private static string Write(AgentConfiguration configuration)
        {
            var json = new JsonWriter(ReportedPropertiesWriter.MaxLength);
            Assert.True(ReportedPropertiesWriter.Write(json, configuration));
            return Encoding.UTF8.GetString(json.Buffer, 0, json.Length);
        }
    }
}
