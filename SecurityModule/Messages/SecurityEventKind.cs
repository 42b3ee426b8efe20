namespace NanoSecurity
{
    /// <summary>
    /// An event type of the Defender for IoT security message schema 1.0: its name,
    /// category and event type, and the JSON that follows the timestamps in its header,
    /// built once so that writing an event builds no string.
    /// </summary>
    internal sealed class SecurityEventKind
    {
        internal static readonly SecurityEventKind ConnectionCreate =
            new SecurityEventKind("ConnectionCreate", "Triggered", "Security", EventQueue.High, true);

        internal static readonly SecurityEventKind SystemInformation =
            new SecurityEventKind("SystemInformation", "Periodic", "Security", EventQueue.Low, false);

        internal static readonly SecurityEventKind ListeningPorts =
            new SecurityEventKind("ListeningPorts", "Periodic", "Security", EventQueue.Low, false);

        internal static readonly SecurityEventKind DroppedEventsStatistics =
            new SecurityEventKind("DroppedEventsStatistics", "Periodic", "Operational", EventQueue.Low, false);

        internal static readonly SecurityEventKind MessageStatistics =
            new SecurityEventKind("MessageStatistics", "Periodic", "Operational", EventQueue.Low, false);

        internal static readonly SecurityEventKind ConfigurationError =
            new SecurityEventKind("ConfigurationError", "Triggered", "Operational", EventQueue.Low, false);

        internal static readonly SecurityEventKind Diagnostic =
            new SecurityEventKind("Diagnostic", "Triggered", "Diagnostic", EventQueue.Low, false);

        internal readonly string Name;
        internal readonly EventQueue Queue;

        /// <summary>True when each payload item counts as one event (flows), false when the event counts once.</summary>
        internal readonly bool CountsItems;

        /// <summary>The header after TimestampUTC, up to and including the opening of a non-empty payload.</summary>
        internal readonly string HeaderTail;

        /// <summary>The same, for an empty event, including the closing of its empty payload.</summary>
        internal readonly string EmptyHeaderTail;

        /// <summary>True when the schema allows this event with no payload (Periodic only).</summary>
        internal readonly bool MayBeEmpty;

        private SecurityEventKind(string name, string category, string eventType, EventQueue queue, bool countsItems)
        {
            Name = name;
            Queue = queue;
            CountsItems = countsItems;
            MayBeEmpty = category == "Periodic";
            string common = ",\"Category\":\"" + category + "\",\"Name\":\"" + name + "\",\"EventType\":\"" + eventType
                + "\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":";
            HeaderTail = common + "false,\"Payload\":[";
            EmptyHeaderTail = common + "true,\"Payload\":[]}";
        }
    }
}
