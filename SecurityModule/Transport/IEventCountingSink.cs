namespace NanoSecurity
{
    /// <summary>
    /// A sink that may drop a message later (the offline cache drops its oldest when full), and
    /// so needs to know how many events each message carries to report the loss in
    /// DroppedEventsStatistics.
    /// </summary>
    internal interface IEventCountingSink : ISecurityMessageSink
    {
        /// <summary>Takes one message, copying it.</summary>
        /// <param name="body">Buffer holding the message, reused after the call.</param>
        /// <param name="length">Bytes of the message, from index 0.</param>
        /// <param name="highEvents">Events of the High queue (flows) in it.</param>
        /// <param name="lowEvents">Events of the Low queue in it.</param>
        /// <returns>False when the message was refused (it is then counted as dropped by the caller).</returns>
        bool TryAccept(byte[] body, int length, int highEvents, int lowEvents);
    }
}
