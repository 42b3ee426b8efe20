namespace NanoSecurity
{
    /// <summary>
    /// DroppedEventsStatistics: written at the end of any collection after which something
    /// was dropped (flows refused by a full cache, events that could not fit, messages the
    /// sink refused), with the High and Low queue counts since the previous report.
    /// </summary>
    internal sealed class DroppedEventsCollector : Collector
    {
        private readonly EventStatistics _statistics;

        internal DroppedEventsCollector(EventStatistics statistics)
        {
            _statistics = statistics;
        }

        internal override string Name => "DroppedEventsStatistics";

        /// <summary>Not scheduled by group: the engine runs it after every collection.</summary>
        internal override CollectorPriority Priority => CollectorPriority.High;

        internal override SecurityEventKind Kind => SecurityEventKind.DroppedEventsStatistics;

        internal override void Collect(SecurityMessageWriter writer)
        {
            if (!_statistics.HasDrops)
            {
                return;
            }

            int highCollected, highDropped, lowCollected, lowDropped;
            _statistics.Take(EventQueue.High, out highCollected, out highDropped);
            _statistics.Take(EventQueue.Low, out lowCollected, out lowDropped);
            writer.BeginEvent(SecurityEventKind.DroppedEventsStatistics);
            WriteQueue(writer, "\"High\"", highCollected, highDropped);
            WriteQueue(writer, "\"Low\"", lowCollected, lowDropped);
            writer.EndEvent();
        }

        private static void WriteQueue(SecurityMessageWriter writer, string queue, int collected, int dropped)
        {
            do
            {
                writer.BeginItem();
                JsonWriter json = writer.Json;
                json.WriteRaw("\"Queue\":");
                json.WriteRaw(queue);
                json.WriteRaw(",\"CollectedEvents\":");
                json.WriteInt64(collected);
                json.WriteRaw(",\"DroppedEvents\":");
                json.WriteInt64(dropped);
            }
            while (!writer.EndItem());
        }
    }
}
