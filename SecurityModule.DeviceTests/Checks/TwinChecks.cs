namespace NanoSecurity.DeviceTests
{
    /// <summary>The module twin: Microsoft's default document, valid and invalid patches, the reported document.</summary>
    internal static class TwinChecks
    {
        private const string ObjectName = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        // Microsoft's azureiotsecurity_default.json, its desired section as a twin GET returns it.
        internal const string MicrosoftDefault = "{\"desired\":{\"" + ObjectName + "\":{\"highPriorityMessageFrequency\":{\"value\":\"PT7M\"},\"lowPriorityMessageFrequency\":{\"value\":\"PT5H\"},\"snapshotFrequency\":{\"value\":\"PT13H\"},\"maxLocalCacheSizeInBytes\":{\"value\":2560000},\"maxMessageSizeInBytes\":{\"value\":204800},\"eventPriorityConnectedHardware\":{\"value\":\"Low\"},\"eventPriorityListeningPorts\":{\"value\":\"High\"},\"eventPriorityProcessCreate\":{\"value\":\"Low\"},\"eventPriorityProcessTerminate\":{\"value\":\"Low\"},\"eventPrioritySystemInformation\":{\"value\":\"Low\"},\"eventPriorityLocalUsers\":{\"value\":\"High\"},\"eventPriorityLogin\":{\"value\":\"High\"},\"eventPriorityConnectionCreate\":{\"value\":\"Low\"},\"eventPriorityFirewallConfiguration\":{\"value\":\"Low\"},\"eventPriorityOSBaseline\":{\"value\":\"Low\"},\"eventPriorityDiagnostic\":{\"value\":\"Low\"},\"eventPriorityConfigurationError\":{\"value\":\"Low\"},\"eventPriorityDroppedEventsStatistics\":{\"value\":\"Low\"},\"eventPriorityMessageStatistics\":{\"value\":\"Low\"},\"aggregationEnabledProcessCreate\":{\"value\":true},\"aggregationIntervalProcessCreate\":{\"value\":\"PT1H\"},\"aggregationEnabledConnectionCreate\":{\"value\":true},\"aggregationIntervalConnectionCreate\":{\"value\":\"PT1H\"},\"aggregationEnabledProcessTerminate\":{\"value\":true},\"aggregationIntervalProcessTerminate\":{\"value\":\"PT1H\"}},\"$version\":4},\"reported\":{\"$version\":2}}";

        /// <summary>What the module reports for asc_port.config's defaults.</summary>
        internal const string ReportedDefaults = "{\"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration\":{\"highPriorityMessageFrequency\":{\"value\":\"PT7M\"},\"lowPriorityMessageFrequency\":{\"value\":\"PT5H\"},\"snapshotFrequency\":{\"value\":\"PT13H\"},\"maxLocalCacheSizeInBytes\":{\"value\":16384},\"maxMessageSizeInBytes\":{\"value\":4038},\"eventPriorityConnectionCreate\":{\"value\":\"Low\"},\"eventPriorityListeningPorts\":{\"value\":\"High\"},\"eventPrioritySystemInformation\":{\"value\":\"Low\"},\"eventPriorityDroppedEventsStatistics\":{\"value\":\"Low\"},\"eventPriorityMessageStatistics\":{\"value\":\"Low\"},\"eventPriorityConfigurationError\":{\"value\":\"Low\"},\"eventPriorityDiagnostic\":{\"value\":\"Low\"},\"aggregationEnabledConnectionCreate\":{\"value\":true},\"aggregationIntervalConnectionCreate\":{\"value\":\"PT1H\"}}}";

        internal static void Run(Check check)
        {
            AgentConfiguration current = AgentConfiguration.Defaults();
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            TwinUpdateStatus status = Apply(MicrosoftDefault, true, -1, current, errors);
            check.Equal("default-applied", (int)TwinUpdateStatus.Applied, (int)status);
            check.True("default-values", current.HighPriorityMessageFrequency == 420 && current.LowPriorityMessageFrequency == 18000 && current.SnapshotFrequency == 46800
                && current.AggregationEnabledConnectionCreate && current.AggregationIntervalConnectionCreate == 3600,
                "high " + current.HighPriorityMessageFrequency.ToString() + " low " + current.LowPriorityMessageFrequency.ToString());
            check.Equal("default-sizes-clamped-to-build", AscPortConfig.LocalCacheSize, current.MaxLocalCacheSizeInBytes);
            check.Equal("default-conflicts-named", "maxLocalCacheSizeInBytes:Conflict,maxMessageSizeInBytes:Conflict", Names(errors));

            errors.Clear();
            status = Apply(Patch("\"highPriorityMessageFrequency\":{\"value\":\"PT2M\"},\"eventPriorityConnectionCreate\":{\"value\":\"Off\"}", 5), false, 4, current, errors);
            check.True("patch-applied", (int)status == (int)TwinUpdateStatus.Applied && current.HighPriorityMessageFrequency == 120
                && (int)current.EventPriorityConnectionCreate == (int)EventPriority.Off && errors.Count == 0,
                "status " + ((int)status).ToString() + " high " + current.HighPriorityMessageFrequency.ToString() + " errors " + Names(errors));

            errors.Clear();
            status = Apply(Patch("\"highPriorityMessageFrequency\":{\"value\":\"PT9M\"}", 3), false, 5, current, errors);
            check.True("stale-patch-ignored", (int)status == (int)TwinUpdateStatus.Stale && current.HighPriorityMessageFrequency == 120,
                "status " + ((int)status).ToString() + " high " + current.HighPriorityMessageFrequency.ToString());

            errors.Clear();
            status = Apply(Patch("\"highPriorityMessageFrequency\":{\"value\":\"seven minutes\"}", 6), false, 5, current, errors);
            check.True("invalid-value-changes-nothing", current.HighPriorityMessageFrequency == 120, "high " + current.HighPriorityMessageFrequency.ToString());
            check.Equal("invalid-value-named", "highPriorityMessageFrequency:TypeMismatch", Names(errors));

            errors.Clear();
            status = Apply(Patch("\"eventPriorityListeningPorts\":{\"value\":\"H\U0001F600gh\"}", 7), false, 6, current, errors);
            check.Equal("emoji-value-quoted-whole", "eventPriorityListeningPorts: \"H\\ud83d\\ude00gh\" is not High, Low or Off", errors.Count > 0 ? Check.Printable(errors[0].Message) : "no error");

            errors.Clear();
            status = Apply("{\"" + ObjectName + "\":{\"highPriorityMessageFrequency\":{\"val", false, 6, current, errors);
            check.True("truncated-rejected", (int)status == (int)TwinUpdateStatus.Rejected && current.HighPriorityMessageFrequency == 120,
                "status " + ((int)status).ToString());

            var json = new JsonWriter(ReportedPropertiesWriter.MaxLength);
            ReportedPropertiesWriter.Write(json, AgentConfiguration.Defaults());
            check.Equal("reported-defaults", ReportedDefaults, DeviceModule.Text(Slice(json)));
        }

        private static string Patch(string members, long version)
        {
            return "{\"" + ObjectName + "\":{" + members + "},\"$version\":" + version.ToString() + "}";
        }

        private static TwinUpdateStatus Apply(string document, bool isFullTwin, long lastVersion, AgentConfiguration current, ConfigurationErrorList errors)
        {
            byte[] utf8 = DeviceModule.Utf8(document);
            var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
            return parser.Apply(utf8, 0, utf8.Length, isFullTwin, lastVersion, current, errors);
        }

        private static string Names(ConfigurationErrorList errors)
        {
            string names = "";
            for (int i = 0; i < errors.Count; i++)
            {
                names += (i > 0 ? "," : "") + errors[i].ConfigurationName + ":" + TypeName(errors[i].ErrorType);
            }

            return names;
        }

        private static string TypeName(ConfigurationErrorType type)
        {
            switch (type)
            {
                case ConfigurationErrorType.TypeMismatch: return "TypeMismatch";
                case ConfigurationErrorType.NotOptimal: return "NotOptimal";
                default: return "Conflict";
            }
        }

        internal static byte[] Slice(JsonWriter json)
        {
            var bytes = new byte[json.Length];
            System.Array.Copy(json.Buffer, bytes, json.Length);
            return bytes;
        }
    }
}
