namespace NanoSecurity
{
    /// <summary>
    /// Writes the configuration in force as the body of a reported-properties PATCH, in the
    /// shape the twin's desired properties have:
    /// <c>{"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration":{"highPriorityMessageFrequency":{"value":"PT7M"},…}}</c>.
    /// </summary>
    /// <remarks>
    /// Every property of <see cref="ConfigurationProperty"/> is written, those the twin does not
    /// set with their defaults (as Microsoft's agents report), sizes as they are actually used
    /// (clamped to what was compiled in), durations as <see cref="IsoDuration.Format"/> writes
    /// them, and priorities as the schema spells them ("High", "Low", "Off"; the C agent wrote
    /// them in lower case, which the schema's enum refuses). The schema's properties for events
    /// this module never emits are left out: reporting a value for them would claim a setting
    /// that does nothing.
    /// </remarks>
    internal static class ReportedPropertiesWriter
    {
        /// <summary>
        /// Bytes that always hold the document for durations up to 30 days (all that the twin
        /// and asc_port.config allow) and any size that fits an int: the longest is under 800.
        /// </summary>
        internal const int MaxLength = 1024
#if ASC_DETECTIONS_ENABLED
            + DetectionReportWriter.MaxLength
#endif
            ;

        /// <summary>Appends the document to <paramref name="json"/>.</summary>
        /// <param name="json">The writer; the document starts at its current length.</param>
        /// <param name="configuration">The configuration in force.</param>
        /// <returns>False when it did not fit: <paramref name="json"/> has overflowed.</returns>
        /// <exception cref="System.ArgumentNullException">An argument is null.</exception>
        internal static bool Write(JsonWriter json, AgentConfiguration configuration)
        {
            return Write(json, configuration, null);
        }

        /// <summary>Appends the document, with the detection rules in force beside Microsoft's object when given.</summary>
        /// <param name="json">The writer; the document starts at its current length.</param>
        /// <param name="configuration">The configuration in force.</param>
        /// <param name="detections">The detection rules in force (a DetectionSettings), or null to leave them out.</param>
        /// <returns>False when it did not fit: <paramref name="json"/> has overflowed.</returns>
        internal static bool Write(JsonWriter json, AgentConfiguration configuration, object detections)
        {
            if (json == null || configuration == null)
            {
                throw new System.ArgumentNullException(json == null ? "json" : "configuration");
            }

            json.WriteRaw("{\"" + TwinConfigurationParser.ObjectName + "\":{");
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                if (i > 0)
                {
                    json.WriteByte((byte)',');
                }

                json.WriteByte((byte)'"');
                json.WriteRaw(ConfigurationProperty.NameOf(i));
                json.WriteRaw("\":{\"value\":");
                long value = configuration.Get(i);
                switch (ConfigurationProperty.KindOf(i))
                {
                    case ConfigurationValueKind.Duration:
                        json.WriteString(IsoDuration.Format(value));
                        break;
                    case ConfigurationValueKind.ByteCount:
                        json.WriteInt64(value);
                        break;
                    case ConfigurationValueKind.Priority:
                        json.WriteString(ConfigurationProperty.PriorityName((EventPriority)(int)value));
                        break;
                    default:
                        json.WriteRaw(value != 0 ? "true" : "false");
                        break;
                }

                json.WriteByte((byte)'}');
            }

            json.WriteByte((byte)'}');
#if ASC_DETECTIONS_ENABLED
            if (detections != null)
            {
                json.WriteByte((byte)',');
                DetectionReportWriter.Write(json, (DetectionSettings)detections);
            }
#endif
            json.WriteByte((byte)'}');
            return !json.Overflowed;
        }
    }
}
