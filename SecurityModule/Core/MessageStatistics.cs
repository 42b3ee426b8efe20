using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// Counters of the MessageStatistics event, kept by whatever sends messages.
    /// </summary>
    internal sealed class MessageStatistics
    {
        /// <summary>IoT Hub bills device-to-cloud messages in 4 KB blocks.</summary>
        internal const int BillingBlockSize = 4096;

        private int _sent;
        private int _under4KB;
        private int _failed;

        internal void AddSent(int bytes)
        {
            Interlocked.Increment(ref _sent);
            if (bytes < BillingBlockSize)
            {
                Interlocked.Increment(ref _under4KB);
            }
        }

        internal void AddFailed()
        {
            Interlocked.Increment(ref _failed);
        }

        internal bool IsEmpty => _sent == 0 && _failed == 0;

        /// <summary>Reads and resets the counters.</summary>
        internal void Take(out int sent, out int under4KB, out int failed)
        {
            sent = Interlocked.Exchange(ref _sent, 0);
            under4KB = Interlocked.Exchange(ref _under4KB, 0);
            failed = Interlocked.Exchange(ref _failed, 0);
        }
    }
}
