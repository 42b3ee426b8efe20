namespace NanoSecurity
{
    /// <summary>
    /// MessageStatistics with the low priority group: messages sent, how many of them fit
    /// one 4 KB billing block, and messages that failed, since the previous report.
    /// Nothing is written when nothing was sent or failed.
    /// </summary>
    internal sealed class MessageStatisticsCollector : Collector
    {
        private readonly MessageStatistics _statistics;

        internal MessageStatisticsCollector(MessageStatistics statistics)
        {
            _statistics = statistics;
        }

        internal override string Name => "MessageStatistics";

        internal override CollectorPriority Priority => CollectorPriority.Low;

        internal override SecurityEventKind Kind => SecurityEventKind.MessageStatistics;

        internal override void Collect(SecurityMessageWriter writer)
        {
            if (_statistics.IsEmpty)
            {
                return;
            }

            int sent, under4KB, failed;
            _statistics.Take(out sent, out under4KB, out failed);
            writer.BeginEvent(SecurityEventKind.MessageStatistics);
            do
            {
                writer.BeginItem();
                JsonWriter json = writer.Json;
                json.WriteRaw("\"MessagesSent\":");
                json.WriteInt64(sent);
                json.WriteRaw(",\"MessagesUnder4KB\":");
                json.WriteInt64(under4KB);
                json.WriteRaw(",\"TotalFailed\":");
                json.WriteInt64(failed);
            }
            while (!writer.EndItem());

            writer.EndEvent();
        }
    }
}
