using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>The configuration object: its build-time defaults, copying, comparing, and the property table.</summary>
    public class AgentConfigurationTests
    {
        [Fact]
        public void TheDefaultsAreAscPortConfigsAndMicrosoftsPriorities()
        {
            AgentConfiguration d = AgentConfiguration.Defaults();

            Assert.Equal(AscPortConfig.HighPriorityMessageFrequency, d.HighPriorityMessageFrequency);
            Assert.Equal(AscPortConfig.LowPriorityMessageFrequency, d.LowPriorityMessageFrequency);
            Assert.Equal(AscPortConfig.SnapshotFrequency, d.SnapshotFrequency);
            Assert.Equal(AscPortConfig.LocalCacheSize, d.MaxLocalCacheSizeInBytes);
            Assert.Equal(AscPortConfig.MaxMessageSize, d.MaxMessageSizeInBytes);
            Assert.Equal(AscPortConfig.AggregationInterval != 0, d.AggregationEnabledConnectionCreate);
            Assert.Equal(AscPortConfig.AggregationInterval, d.AggregationIntervalConnectionCreate);

            // Each priority is the one Microsoft's azureiotsecurity_default.json gives.
            var twinDefaults = TwinDocuments.DefaultConfigurationObject;
            for (int p = ConfigurationProperty.EventPriorityConnectionCreate; p <= ConfigurationProperty.EventPriorityDiagnostic; p++)
            {
                string name = ConfigurationProperty.NameOf(p);
                Assert.Equal(twinDefaults[name]["value"].GetValue<string>(), ConfigurationProperty.FormatValue(d, p));
            }

            // The repository's asc_port.config keeps Microsoft's documented cadence.
            Assert.Equal(420, AscPortConfig.HighPriorityMessageFrequency);
            Assert.Equal(18000, AscPortConfig.LowPriorityMessageFrequency);
            Assert.Equal(46800, AscPortConfig.SnapshotFrequency);
            Assert.Equal(3600, AscPortConfig.AggregationInterval);
        }

        [Fact]
        public void EveryPropertyIsOneOfTheSchemasWithItsType()
        {
            var kinds = new Dictionary<string, ConfigurationValueKind>
            {
                ["TimeConfiguration"] = ConfigurationValueKind.Duration,
                ["IntegerConfiguration"] = ConfigurationValueKind.ByteCount,
                ["EventPriorityConfiguration"] = ConfigurationValueKind.Priority,
                ["BooleanConfiguration"] = ConfigurationValueKind.Boolean,
            };
            var schema = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(
                AppContext.BaseDirectory, "DefenderSchemas", "security_module_twin", "azureiotsecurity_schema.json")));
            var properties = schema["properties"]["desired"]["properties"][TwinConfigurationParser.ObjectName]["properties"];

            var names = new HashSet<string>();
            for (int p = 0; p < ConfigurationProperty.Count; p++)
            {
                string name = ConfigurationProperty.NameOf(p);
                Assert.True(names.Add(name), name);
                Assert.True(properties[name] != null, name + " is not in the schema");
                string reference = properties[name]["$ref"].GetValue<string>();
                Assert.Equal(kinds[reference.Substring(reference.LastIndexOf('/') + 1)], ConfigurationProperty.KindOf(p));
            }

            Assert.Equal(ConfigurationProperty.Count, names.Count);
        }

        [Fact]
        public void CopyAndCompareCoverEveryProperty()
        {
            for (int p = 0; p < ConfigurationProperty.Count; p++)
            {
                AgentConfiguration a = AgentConfiguration.Defaults();
                AgentConfiguration b = AgentConfiguration.Defaults();
                Assert.True(a.SameAs(b));
                b.Set(p, b.Get(p) == 1 ? 2 : 1);
                Assert.False(a.SameAs(b), ConfigurationProperty.NameOf(p));
                a.CopyFrom(b);
                Assert.True(a.SameAs(b), ConfigurationProperty.NameOf(p));
                Assert.Equal(b.Get(p), a.Get(p));
            }
        }

        [Fact]
        public void TheTypedPropertiesAreTheIndexedOnes()
        {
            AgentConfiguration c = TwinDocuments.Unusual();

            Assert.Equal(c.HighPriorityMessageFrequency, c.Get(ConfigurationProperty.HighPriorityMessageFrequency));
            Assert.Equal(c.LowPriorityMessageFrequency, c.Get(ConfigurationProperty.LowPriorityMessageFrequency));
            Assert.Equal(c.SnapshotFrequency, c.Get(ConfigurationProperty.SnapshotFrequency));
            Assert.Equal(c.MaxLocalCacheSizeInBytes, c.Get(ConfigurationProperty.MaxLocalCacheSizeInBytes));
            Assert.Equal(c.MaxMessageSizeInBytes, c.Get(ConfigurationProperty.MaxMessageSizeInBytes));
            Assert.Equal((long)c.EventPriorityConnectionCreate, c.Get(ConfigurationProperty.EventPriorityConnectionCreate));
            Assert.Equal((long)c.EventPriorityListeningPorts, c.Get(ConfigurationProperty.EventPriorityListeningPorts));
            Assert.Equal((long)c.EventPrioritySystemInformation, c.Get(ConfigurationProperty.EventPrioritySystemInformation));
            Assert.Equal((long)c.EventPriorityDroppedEventsStatistics, c.Get(ConfigurationProperty.EventPriorityDroppedEventsStatistics));
            Assert.Equal((long)c.EventPriorityMessageStatistics, c.Get(ConfigurationProperty.EventPriorityMessageStatistics));
            Assert.Equal((long)c.EventPriorityConfigurationError, c.Get(ConfigurationProperty.EventPriorityConfigurationError));
            Assert.Equal((long)c.EventPriorityDiagnostic, c.Get(ConfigurationProperty.EventPriorityDiagnostic));
            Assert.Equal(c.AggregationEnabledConnectionCreate ? 1 : 0, c.Get(ConfigurationProperty.AggregationEnabledConnectionCreate));
            Assert.Equal(c.AggregationIntervalConnectionCreate, c.Get(ConfigurationProperty.AggregationIntervalConnectionCreate));
            Assert.Equal(
                "highPriorityMessageFrequency=PT1M, lowPriorityMessageFrequency=PT10M, snapshotFrequency=PT2H, maxLocalCacheSizeInBytes=12000, "
                + "maxMessageSizeInBytes=3000, eventPriorityConnectionCreate=High, eventPriorityListeningPorts=Off, eventPrioritySystemInformation=High, "
                + "eventPriorityDroppedEventsStatistics=Off, eventPriorityMessageStatistics=High, eventPriorityConfigurationError=High, "
                + "eventPriorityDiagnostic=Off, aggregationEnabledConnectionCreate=false, aggregationIntervalConnectionCreate=PT2M",
                TwinDocuments.Describe(c));
        }

        [Fact]
        public void EachEmittedEventKindHasItsPriority()
        {
            AgentConfiguration c = TwinDocuments.Unusual();

            Assert.Equal(EventPriority.High, c.PriorityOf(SecurityEventKind.ConnectionCreate));
            Assert.Equal(EventPriority.Off, c.PriorityOf(SecurityEventKind.ListeningPorts));
            Assert.Equal(EventPriority.High, c.PriorityOf(SecurityEventKind.SystemInformation));
            Assert.Equal(EventPriority.Off, c.PriorityOf(SecurityEventKind.DroppedEventsStatistics));
            Assert.Equal(EventPriority.High, c.PriorityOf(SecurityEventKind.MessageStatistics));
            Assert.Equal(EventPriority.High, c.PriorityOf(SecurityEventKind.ConfigurationError));
            Assert.Throws<ArgumentException>(() => c.PriorityOf(null));
        }
    }
}
