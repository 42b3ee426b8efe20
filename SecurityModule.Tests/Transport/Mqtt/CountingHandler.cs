namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>A handler that only counts, so that it allocates nothing itself.</summary>
    internal sealed class CountingHandler : IMqttClientHandler
    {
        private int _messages;
        private int _payloadBytes;
        private int _acknowledged;
        private int _lost;

        internal int Messages => Volatile.Read(ref _messages);

        internal int PayloadBytes => Volatile.Read(ref _payloadBytes);

        internal int Acknowledged => Volatile.Read(ref _acknowledged);

        internal int Lost => Volatile.Read(ref _lost);

        private int _tooLarge;

        public void OnMessageReceived(string topic, byte[] payload, int offset, int count)
        {
            Interlocked.Increment(ref _messages);
            Interlocked.Add(ref _payloadBytes, count);
        }

        public void OnMessageTooLarge(int bytes) => Interlocked.Increment(ref _tooLarge);

        internal int TooLarge => Volatile.Read(ref _tooLarge);

        public void OnPublishAcknowledged(ushort packetId) => Interlocked.Increment(ref _acknowledged);

        public void OnConnectionLost(Exception reason) => Interlocked.Increment(ref _lost);
    }
}
