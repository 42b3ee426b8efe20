using System;

namespace NanoSecurity
{
    /// <summary>
    /// The runtime configuration of the module: what the <c>azureiotsecurity</c> module twin's
    /// <c>ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration</c> sets, with the build-time
    /// values of asc_port.config for whatever it does not set. Durations are in whole seconds.
    /// </summary>
    /// <remarks>
    /// One value per <see cref="ConfigurationProperty"/>, kept in a single array so that copying,
    /// comparing and resetting cannot miss a property. Not thread-safe: the owner changes it
    /// (through <see cref="TwinConfigurationParser.Apply"/> or <see cref="CopyFrom"/>) under
    /// whatever lock its readers take.
    /// </remarks>
    internal sealed class AgentConfiguration
    {
        // Microsoft's default for aggregationIntervalConnectionCreate, used as the interval
        // when asc_port.config switches aggregation off (ASC_AGGREGATION_INTERVAL = 0) and a
        // twin later switches it on without naming an interval.
        private const long DefaultAggregationInterval = 3600;

        private readonly long[] _values = new long[ConfigurationProperty.Count];

        /// <summary>
        /// The build-time configuration: the frequencies and aggregation interval of
        /// asc_port.config, its ASC_LOCAL_CACHE_SIZE and ASC_MAX_MESSAGE_SIZE (a twin can lower
        /// them, never raise them), and the event priorities of Microsoft's
        /// azureiotsecurity_default.json (ListeningPorts High, every other one Low).
        /// </summary>
        /// <returns>A new configuration.</returns>
        internal static AgentConfiguration Defaults()
        {
            var defaults = new AgentConfiguration();
            defaults.HighPriorityMessageFrequency = AscPortConfig.HighPriorityMessageFrequency;
            defaults.LowPriorityMessageFrequency = AscPortConfig.LowPriorityMessageFrequency;
            defaults.SnapshotFrequency = AscPortConfig.SnapshotFrequency;
            defaults.MaxLocalCacheSizeInBytes = AscPortConfig.LocalCacheSize;
            defaults.MaxMessageSizeInBytes = AscPortConfig.MaxMessageSize;
            defaults.EventPriorityConnectionCreate = EventPriority.Low;
            defaults.EventPriorityListeningPorts = EventPriority.High;
            defaults.EventPrioritySystemInformation = EventPriority.Low;
            defaults.EventPriorityDroppedEventsStatistics = EventPriority.Low;
            defaults.EventPriorityMessageStatistics = EventPriority.Low;
            defaults.EventPriorityConfigurationError = EventPriority.Low;

            // Microsoft's "Configure security agents" page says Off; its default twin and its
            // schema say Low, and those are what the portal writes.
            defaults.EventPriorityDiagnostic = EventPriority.Low;
            defaults.AggregationEnabledConnectionCreate = AscPortConfig.AggregationInterval != 0;
            defaults.AggregationIntervalConnectionCreate = AscPortConfig.AggregationInterval != 0
                ? AscPortConfig.AggregationInterval
                : DefaultAggregationInterval;
            return defaults;
        }

        /// <summary>Seconds within which high priority events are sent (<c>highPriorityMessageFrequency</c>).</summary>
        internal long HighPriorityMessageFrequency
        {
            get { return _values[ConfigurationProperty.HighPriorityMessageFrequency]; }
            set { _values[ConfigurationProperty.HighPriorityMessageFrequency] = value; }
        }

        /// <summary>Seconds within which low priority events are sent (<c>lowPriorityMessageFrequency</c>).</summary>
        internal long LowPriorityMessageFrequency
        {
            get { return _values[ConfigurationProperty.LowPriorityMessageFrequency]; }
            set { _values[ConfigurationProperty.LowPriorityMessageFrequency] = value; }
        }

        /// <summary>Seconds between snapshots: SystemInformation, ListeningPorts (<c>snapshotFrequency</c>).</summary>
        internal long SnapshotFrequency
        {
            get { return _values[ConfigurationProperty.SnapshotFrequency]; }
            set { _values[ConfigurationProperty.SnapshotFrequency] = value; }
        }

        /// <summary>Bytes of the offline cache in use, at most ASC_LOCAL_CACHE_SIZE (<c>maxLocalCacheSizeInBytes</c>).</summary>
        internal int MaxLocalCacheSizeInBytes
        {
            get { return (int)_values[ConfigurationProperty.MaxLocalCacheSizeInBytes]; }
            set { _values[ConfigurationProperty.MaxLocalCacheSizeInBytes] = value; }
        }

        /// <summary>Bytes of one message, at most ASC_MAX_MESSAGE_SIZE (<c>maxMessageSizeInBytes</c>).</summary>
        internal int MaxMessageSizeInBytes
        {
            get { return (int)_values[ConfigurationProperty.MaxMessageSizeInBytes]; }
            set { _values[ConfigurationProperty.MaxMessageSizeInBytes] = value; }
        }

        /// <summary>Priority of ConnectionCreate events.</summary>
        internal EventPriority EventPriorityConnectionCreate
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityConnectionCreate); }
            set { _values[ConfigurationProperty.EventPriorityConnectionCreate] = (long)value; }
        }

        /// <summary>Priority of ListeningPorts events.</summary>
        internal EventPriority EventPriorityListeningPorts
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityListeningPorts); }
            set { _values[ConfigurationProperty.EventPriorityListeningPorts] = (long)value; }
        }

        /// <summary>Priority of SystemInformation events (heartbeats included: they are empty SystemInformation events).</summary>
        internal EventPriority EventPrioritySystemInformation
        {
            get { return GetPriority(ConfigurationProperty.EventPrioritySystemInformation); }
            set { _values[ConfigurationProperty.EventPrioritySystemInformation] = (long)value; }
        }

        /// <summary>Priority of DroppedEventsStatistics events.</summary>
        internal EventPriority EventPriorityDroppedEventsStatistics
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityDroppedEventsStatistics); }
            set { _values[ConfigurationProperty.EventPriorityDroppedEventsStatistics] = (long)value; }
        }

        /// <summary>Priority of MessageStatistics events.</summary>
        internal EventPriority EventPriorityMessageStatistics
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityMessageStatistics); }
            set { _values[ConfigurationProperty.EventPriorityMessageStatistics] = (long)value; }
        }

        /// <summary>Priority of ConfigurationError events.</summary>
        internal EventPriority EventPriorityConfigurationError
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityConfigurationError); }
            set { _values[ConfigurationProperty.EventPriorityConfigurationError] = (long)value; }
        }

        /// <summary>Priority of Diagnostic events.</summary>
        internal EventPriority EventPriorityDiagnostic
        {
            get { return GetPriority(ConfigurationProperty.EventPriorityDiagnostic); }
            set { _values[ConfigurationProperty.EventPriorityDiagnostic] = (long)value; }
        }

        /// <summary>Whether flows aggregate over <see cref="AggregationIntervalConnectionCreate"/>.</summary>
        internal bool AggregationEnabledConnectionCreate
        {
            get { return _values[ConfigurationProperty.AggregationEnabledConnectionCreate] != 0; }
            set { _values[ConfigurationProperty.AggregationEnabledConnectionCreate] = value ? 1 : 0; }
        }

        /// <summary>Seconds over which a flow's bytes and hits aggregate, when aggregation is enabled.</summary>
        internal long AggregationIntervalConnectionCreate
        {
            get { return _values[ConfigurationProperty.AggregationIntervalConnectionCreate]; }
            set { _values[ConfigurationProperty.AggregationIntervalConnectionCreate] = value; }
        }

        /// <summary>The priority the twin gives an event type.</summary>
        /// <param name="kind">One of the kinds in <see cref="SecurityEventKind"/>.</param>
        /// <returns>Its priority.</returns>
        /// <exception cref="ArgumentException">The twin has no priority for <paramref name="kind"/>.</exception>
        internal EventPriority PriorityOf(SecurityEventKind kind)
        {
            if (kind == SecurityEventKind.ConnectionCreate)
            {
                return EventPriorityConnectionCreate;
            }

            if (kind == SecurityEventKind.ListeningPorts)
            {
                return EventPriorityListeningPorts;
            }

            if (kind == SecurityEventKind.SystemInformation)
            {
                return EventPrioritySystemInformation;
            }

            if (kind == SecurityEventKind.DroppedEventsStatistics)
            {
                return EventPriorityDroppedEventsStatistics;
            }

            if (kind == SecurityEventKind.MessageStatistics)
            {
                return EventPriorityMessageStatistics;
            }

            if (kind == SecurityEventKind.ConfigurationError)
            {
                return EventPriorityConfigurationError;
            }

            throw new ArgumentException("no priority for this event kind", "kind");
        }

        /// <summary>Makes this configuration a copy of <paramref name="other"/>.</summary>
        /// <param name="other">The configuration to copy.</param>
        internal void CopyFrom(AgentConfiguration other)
        {
            Array.Copy(other._values, _values, ConfigurationProperty.Count);
        }

        /// <summary>Whether every property has the same value in both.</summary>
        /// <param name="other">The configuration to compare with.</param>
        /// <returns>True when they are the same.</returns>
        internal bool SameAs(AgentConfiguration other)
        {
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                if (_values[i] != other._values[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The value of a property by its <see cref="ConfigurationProperty"/> index: seconds, bytes, an <see cref="EventPriority"/>, or 1/0.</summary>
        internal long Get(int property)
        {
            return _values[property];
        }

        /// <summary>Sets a property by its <see cref="ConfigurationProperty"/> index; the value is not checked.</summary>
        internal void Set(int property, long value)
        {
            _values[property] = value;
        }

        private EventPriority GetPriority(int property)
        {
            return (EventPriority)(int)_values[property];
        }
    }
}
