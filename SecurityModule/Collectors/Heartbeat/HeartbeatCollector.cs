#if ASC_COLLECTOR_HEARTBEAT_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Liveness: an empty, Periodic SystemInformation event. Schema 1.0 has no Heartbeat
    /// event (a "Heartbeat" name fails validation); this is its only valid empty event,
    /// and what the ThreadX JSON preview sent.
    /// </summary>
    internal sealed class HeartbeatCollector : Collector
    {
        internal override string Name => "Heartbeat";

        internal override CollectorPriority Priority => CollectorPriority.Low;

        /// <summary>A heartbeat is an empty SystemInformation event.</summary>
        internal override SecurityEventKind Kind => SecurityEventKind.SystemInformation;

        internal override bool OnlyWhenNothingQueued => true;

        internal override void Collect(SecurityMessageWriter writer)
        {
            writer.WriteEmptyEvent(SecurityEventKind.SystemInformation);
        }
    }
}
#endif
