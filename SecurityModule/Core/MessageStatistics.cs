namespace NanoSecurity
{
    /// <summary>
    /// Counters of the MessageStatistics event, kept by whatever sends messages.
    /// </summary>
    /// <remarks>
    /// One lock rather than one atomic per counter: the collector's snapshot must never see a
    /// message counted as sent and not yet as under 4 KB, or lose one between two reads.
    /// </remarks>
    internal sealed class MessageStatistics
    {
        /// <summary>IoT Hub bills device-to-cloud messages in 4 KB blocks.</summary>
        internal const int BillingBlockSize = 4096;

        private readonly object _sync = new object();
        private int _sent;
        private int _under4KB;
        private int _failed;

        internal void AddSent(int bytes)
        {
            lock (_sync)
            {
                _sent++;
                if (bytes < BillingBlockSize)
                {
                    _under4KB++;
                }
            }
        }

        internal void AddFailed()
        {
            lock (_sync)
            {
                _failed++;
            }
        }

        internal bool IsEmpty
        {
            get
            {
                lock (_sync)
                {
                    return _sent == 0 && _failed == 0;
                }
            }
        }

        /// <summary>Reads and resets the counters, all at one instant.</summary>
        internal void Take(out int sent, out int under4KB, out int failed)
        {
            lock (_sync)
            {
                sent = _sent;
                under4KB = _under4KB;
                failed = _failed;
                _sent = 0;
                _under4KB = 0;
                _failed = 0;
            }
        }
    }
}
