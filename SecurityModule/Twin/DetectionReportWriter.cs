#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Writes the detection rules in force as the <c>nanoSecurity:DetectionConfiguration</c>
    /// member of the reported properties, in the desired shape: every property <c>{"value": …}</c>.
    /// </summary>
    internal static class DetectionReportWriter
    {
        // Per range: its longest canonical text quoted, and a comma; per port rule "udp/65535", quoted, and a comma.
        private const int RangeBytes = CidrRange.MaxCanonicalLength + 3;
        private const int PortBytes = 12;

        /// <summary>Bytes that always hold the member, whatever the lists hold.</summary>
        internal const int MaxLength = 400
            + (RangeBytes * (AscPortConfig.DetectionsMaxDeniedRanges + AscPortConfig.DetectionsMaxAllowedRanges))
            + (PortBytes * AscPortConfig.DetectionsMaxExpectedListeningPorts);

        /// <summary>Appends <c>"nanoSecurity:DetectionConfiguration":{…}</c>.</summary>
        internal static void Write(JsonWriter json, DetectionSettings settings)
        {
            json.WriteRaw("\"" + DetectionConfigurationParser.ObjectName + "\":{\"" + DetectionConfigurationParser.Enabled + "\":{\"value\":");
            json.WriteRaw(settings.Enabled ? "true" : "false");
            WriteRanges(json, DetectionConfigurationParser.DeniedRemoteAddresses, settings.DeniedRemoteAddresses);
            WriteRanges(json, DetectionConfigurationParser.AllowedRemoteAddresses, settings.AllowedRemoteAddresses);
            Open(json, DetectionConfigurationParser.ExpectedListeningPorts);
            json.WriteByte((byte)'[');
            for (int i = 0; i < settings.ExpectedListeningPorts.Count; i++)
            {
                if (i > 0)
                {
                    json.WriteByte((byte)',');
                }

                json.WriteString(settings.ExpectedListeningPorts.TextOf(i));
            }

            json.WriteByte((byte)']');
            WriteNumber(json, DetectionConfigurationParser.ActiveConnectionsMin, settings.ActiveConnectionsMin);
            WriteNumber(json, DetectionConfigurationParser.ActiveConnectionsMax, settings.ActiveConnectionsMax);
            WriteNumber(json, DetectionConfigurationParser.PortScanDistinctPorts, settings.PortScanDistinctPorts);
            Open(json, DetectionConfigurationParser.PortScanWindow);
            json.WriteString(IsoDuration.Format(settings.PortScanWindow));
            json.WriteRaw("}}");
        }

        /// <summary>Closes the previous property and opens the value of the next one.</summary>
        private static void Open(JsonWriter json, string name)
        {
            json.WriteRaw("},\"");
            json.WriteRaw(name);
            json.WriteRaw("\":{\"value\":");
        }

        private static void WriteNumber(JsonWriter json, string name, int value)
        {
            Open(json, name);
            json.WriteInt64(value);
        }

        private static void WriteRanges(JsonWriter json, string name, AddressRuleList ranges)
        {
            Open(json, name);
            json.WriteByte((byte)'[');
            for (int i = 0; i < ranges.Count; i++)
            {
                if (i > 0)
                {
                    json.WriteByte((byte)',');
                }

                json.WriteString(ranges.TextOf(i));
            }

            json.WriteByte((byte)']');
        }
    }
}
#endif
