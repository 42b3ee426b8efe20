namespace NanoSecurity
{
    /// <summary>
    /// The two queues of DroppedEventsStatistics: flows of the high priority group count
    /// as High, every other event as Low.
    /// </summary>
    internal enum EventQueue
    {
        High = 0,
        Low = 1,
    }
}
