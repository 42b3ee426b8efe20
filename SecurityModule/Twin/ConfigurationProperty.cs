namespace NanoSecurity
{
    /// <summary>
    /// The properties of <c>ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration</c> that
    /// the module acts on: their index in <see cref="AgentConfiguration"/>, their names exactly
    /// as Microsoft's twin schema spells them, and their value types. The twin parser and the
    /// reported-properties writer both walk this one table, so they cannot disagree.
    /// </summary>
    /// <remarks>
    /// The schema's other properties (the Linux and Windows event types, ProcessCreate and
    /// ProcessTerminate aggregation) and the C and C# agents' own additions describe events this
    /// module never emits; the parser skips them and they are not reported.
    /// </remarks>
    internal static class ConfigurationProperty
    {
        internal const int HighPriorityMessageFrequency = 0;
        internal const int LowPriorityMessageFrequency = 1;
        internal const int SnapshotFrequency = 2;
        internal const int MaxLocalCacheSizeInBytes = 3;
        internal const int MaxMessageSizeInBytes = 4;
        internal const int EventPriorityConnectionCreate = 5;
        internal const int EventPriorityListeningPorts = 6;
        internal const int EventPrioritySystemInformation = 7;
        internal const int EventPriorityDroppedEventsStatistics = 8;
        internal const int EventPriorityMessageStatistics = 9;
        internal const int EventPriorityConfigurationError = 10;
        internal const int EventPriorityDiagnostic = 11;
        internal const int AggregationEnabledConnectionCreate = 12;
        internal const int AggregationIntervalConnectionCreate = 13;

        /// <summary>Number of properties; indices run from 0 to Count - 1.</summary>
        internal const int Count = 14;

        private static readonly string[] Names =
        {
            "highPriorityMessageFrequency",
            "lowPriorityMessageFrequency",
            "snapshotFrequency",
            "maxLocalCacheSizeInBytes",
            "maxMessageSizeInBytes",
            "eventPriorityConnectionCreate",
            "eventPriorityListeningPorts",
            "eventPrioritySystemInformation",
            "eventPriorityDroppedEventsStatistics",
            "eventPriorityMessageStatistics",
            "eventPriorityConfigurationError",
            "eventPriorityDiagnostic",
            "aggregationEnabledConnectionCreate",
            "aggregationIntervalConnectionCreate",
        };

        private static readonly ConfigurationValueKind[] Kinds =
        {
            ConfigurationValueKind.Duration,
            ConfigurationValueKind.Duration,
            ConfigurationValueKind.Duration,
            ConfigurationValueKind.ByteCount,
            ConfigurationValueKind.ByteCount,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Priority,
            ConfigurationValueKind.Boolean,
            ConfigurationValueKind.Duration,
        };

        /// <summary>The property's name in the twin, e.g. <c>highPriorityMessageFrequency</c>.</summary>
        internal static string NameOf(int property)
        {
            return Names[property];
        }

        /// <summary>The property's value type.</summary>
        internal static ConfigurationValueKind KindOf(int property)
        {
            return Kinds[property];
        }

        /// <summary>The schema's spelling of a priority: "High", "Low" or "Off".</summary>
        internal static string PriorityName(EventPriority priority)
        {
            switch (priority)
            {
                case EventPriority.High:
                    return "High";
                case EventPriority.Low:
                    return "Low";
                default:
                    return "Off";
            }
        }

        /// <summary>
        /// The property's value in <paramref name="configuration"/> as the twin writes it, without
        /// JSON quotes: <c>PT7M</c>, <c>16384</c>, <c>High</c>, <c>true</c>. Allocates the string.
        /// </summary>
        internal static string FormatValue(AgentConfiguration configuration, int property)
        {
            long value = configuration.Get(property);
            switch (Kinds[property])
            {
                case ConfigurationValueKind.Duration:
                    return IsoDuration.Format(value);
                case ConfigurationValueKind.Priority:
                    return PriorityName((EventPriority)(int)value);
                case ConfigurationValueKind.Boolean:
                    return value != 0 ? "true" : "false";
                default:
                    return value.ToString();
            }
        }
    }
}
