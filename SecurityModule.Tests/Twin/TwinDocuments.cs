using System.Text;
using System.Text.Json.Nodes;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>What one <see cref="TwinConfigurationParser.Apply"/> did, copied out for assertions.</summary>
    internal sealed class TwinOutcome
    {
        public TwinUpdateStatus Status { get; init; }

        public long Version { get; init; }

        public bool ObjectPresent { get; init; }

        public bool Changed { get; init; }

        /// <summary>The configuration passed in, after the call.</summary>
        public AgentConfiguration Configuration { get; init; }

        public IReadOnlyList<ConfigurationError> Errors { get; init; }

        /// <summary>The single error recorded; fails if there is not exactly one.</summary>
        public ConfigurationError Error => Xunit.Assert.Single(Errors);

        public override string ToString() =>
            Status + " v" + Version + (ObjectPresent ? " object" : " no-object") + (Changed ? " changed" : "") + " errors: "
            + string.Join("; ", Errors.Select(e => e.ConfigurationName + " " + e.ErrorType + " used=" + e.UsedConfiguration + " (" + e.Message + ")"));
    }

    /// <summary>Twin documents for the tests: Microsoft's default twin reshaped, and small ones written inline.</summary>
    internal static class TwinDocuments
    {
        internal const string ObjectName = TwinConfigurationParser.ObjectName;

        /// <summary>
        /// The desired configuration object of Microsoft's azureiotsecurity_default.json (which
        /// is a whole module identity, <c>{"moduleId":…,"properties":{"desired":{…}}}</c>).
        /// </summary>
        internal static JsonObject DefaultConfigurationObject =>
            TwinSchema.DefaultTwin["properties"]["desired"][ObjectName].DeepClone().AsObject();

        /// <summary>Microsoft's default as the answer to a twin GET, with a reported section as IoT Hub sends it.</summary>
        internal static string DefaultAsFullTwin(long version)
        {
            var desired = TwinSchema.DefaultTwin["properties"]["desired"].DeepClone().AsObject();
            desired["$version"] = version;
            return new JsonObject
            {
                ["desired"] = desired,
                ["reported"] = new JsonObject { ["something"] = "else", ["$version"] = 7 },
            }.ToJsonString();
        }

        /// <summary>Microsoft's default as a desired-properties PATCH.</summary>
        internal static string DefaultAsPatch(long version)
        {
            var desired = TwinSchema.DefaultTwin["properties"]["desired"].DeepClone().AsObject();
            desired["$version"] = version;
            return desired.ToJsonString();
        }

        /// <summary>A PATCH whose configuration object holds <paramref name="members"/> (JSON members, without braces).</summary>
        internal static string Patch(string members, long version = 10) =>
            "{\"" + ObjectName + "\":{" + members + "},\"$version\":" + version + "}";

        /// <summary>A full twin whose configuration object holds <paramref name="members"/>.</summary>
        internal static string Full(string members, long version = 10) =>
            "{\"desired\":{\"" + ObjectName + "\":{" + members + "},\"$version\":" + version + "},\"reported\":{\"$version\":3}}";

        /// <summary>The configuration of a build with room for the twin's sizes: ASC_LOCAL_CACHE_SIZE 1 MiB, ASC_MAX_MESSAGE_SIZE 64 KiB.</summary>
        internal static AgentConfiguration LargeBuildDefaults()
        {
            AgentConfiguration defaults = AgentConfiguration.Defaults();
            defaults.MaxLocalCacheSizeInBytes = 1024 * 1024;
            defaults.MaxMessageSizeInBytes = 65536;
            return defaults;
        }

        /// <summary>Applies a document with a fresh parser and error list.</summary>
        internal static TwinOutcome Apply(
            string json,
            bool isFullTwin,
            long lastVersion = -1,
            AgentConfiguration current = null,
            AgentConfiguration defaults = null)
        {
            return Apply(Encoding.UTF8.GetBytes(json), isFullTwin, lastVersion, current, defaults);
        }

        internal static TwinOutcome Apply(
            byte[] document,
            bool isFullTwin,
            long lastVersion = -1,
            AgentConfiguration current = null,
            AgentConfiguration defaults = null)
        {
            defaults ??= AgentConfiguration.Defaults();
            if (current == null)
            {
                current = new AgentConfiguration();
                current.CopyFrom(defaults);
            }

            var parser = new TwinConfigurationParser(defaults);
            var errors = new ConfigurationErrorList(32);

            // Embedded in a larger buffer, so that the offset and count are honoured.
            byte[] buffer = new byte[document.Length + 7];
            Array.Fill(buffer, (byte)'x');
            document.CopyTo(buffer, 3);
            TwinUpdateStatus status = parser.Apply(buffer, 3, document.Length, isFullTwin, lastVersion, current, errors);
            return new TwinOutcome
            {
                Status = status,
                Version = parser.Version,
                ObjectPresent = parser.ObjectPresent,
                Changed = parser.Changed,
                Configuration = current,
                Errors = Errors(errors),
            };
        }

        internal static List<ConfigurationError> Errors(ConfigurationErrorList list)
        {
            var errors = new List<ConfigurationError>();
            for (int i = 0; i < list.Count; i++)
            {
                errors.Add(list[i]);
            }

            return errors;
        }

        /// <summary>A configuration with every property away from its default.</summary>
        internal static AgentConfiguration Unusual()
        {
            var c = new AgentConfiguration
            {
                HighPriorityMessageFrequency = 60,
                LowPriorityMessageFrequency = 600,
                SnapshotFrequency = 7200,
                MaxLocalCacheSizeInBytes = 12000,
                MaxMessageSizeInBytes = 3000,
                EventPriorityConnectionCreate = EventPriority.High,
                EventPriorityListeningPorts = EventPriority.Off,
                EventPrioritySystemInformation = EventPriority.High,
                EventPriorityDroppedEventsStatistics = EventPriority.Off,
                EventPriorityMessageStatistics = EventPriority.High,
                EventPriorityConfigurationError = EventPriority.High,
                EventPriorityDiagnostic = EventPriority.Off,
                AggregationEnabledConnectionCreate = false,
                AggregationIntervalConnectionCreate = 120,
            };
            return c;
        }

        /// <summary>The configuration as property=value text, for readable failures.</summary>
        internal static string Describe(AgentConfiguration c) =>
            string.Join(", ", Enumerable.Range(0, ConfigurationProperty.Count)
                .Select(i => ConfigurationProperty.NameOf(i) + "=" + ConfigurationProperty.FormatValue(c, i)));

        internal static long[] Values(AgentConfiguration c) =>
            Enumerable.Range(0, ConfigurationProperty.Count).Select(c.Get).ToArray();
    }
}
