namespace NanoSecurity
{
    /// <summary>
    /// How an event type is sent, as the twin's <c>eventPriority{EventName}</c> properties set
    /// it: with the high priority messages, with the low priority ones, or not at all.
    /// </summary>
    internal enum EventPriority
    {
        /// <summary>Sent within <c>highPriorityMessageFrequency</c>.</summary>
        High = 0,

        /// <summary>Sent within <c>lowPriorityMessageFrequency</c>.</summary>
        Low = 1,

        /// <summary>Not sent.</summary>
        Off = 2,
    }
}
