namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>A loopback TCP channel that counts the PINGREQ packets written through it.</summary>
    internal sealed class PingCountingChannel : INetworkChannel
    {
        private readonly LoopbackTcpChannel _inner = new LoopbackTcpChannel();
        private readonly object _gate = new object();
        private int _pings;

        public void Connect(string host, int port) => _inner.Connect(host, port);

        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds) => _inner.Read(buffer, offset, count, timeoutMilliseconds);

        public void Write(byte[] buffer, int offset, int count)
        {
            _inner.Write(buffer, offset, count);

            // The client writes each packet with one call.
            if (count == 2 && buffer[offset] == 0xC0 && buffer[offset + 1] == 0x00)
            {
                lock (_gate)
                {
                    _pings++;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public void Close() => _inner.Close();

        /// <summary>Waits until <paramref name="count"/> PINGREQs were written; false after the timeout.</summary>
        public bool WaitForPings(int count, TimeSpan timeout)
        {
            DateTime end = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (_pings < count)
                {
                    TimeSpan left = end - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    Monitor.Wait(_gate, left);
                }

                return true;
            }
        }
    }
}
