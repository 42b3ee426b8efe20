namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>A payload source that copies one array and counts its calls.</summary>
    internal sealed class ArraySource : IMqttPayloadSource
    {
        private readonly byte[] _payload;

        internal ArraySource(byte[] payload) => _payload = payload;

        internal int Calls { get; private set; }

        /// <summary>The room the client offered at the last call.</summary>
        internal int Capacity { get; private set; }

        public int CopyPayload(byte[] destination, int offset, int capacity)
        {
            Calls++;
            Capacity = capacity;
            _payload.CopyTo(destination, offset);
            return _payload.Length;
        }
    }
}
