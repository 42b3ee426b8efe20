namespace NanoSecurity.Tests
{
    /// <summary>The tests copy whole messages from index 0.</summary>
    internal static class OutboundQueueExtensions
    {
        public static int CopyOldest(this OutboundQueue queue, byte[] destination, out uint sequence) =>
            queue.CopyOldest(destination, 0, destination == null ? 0 : destination.Length, out sequence);
    }
}
