using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>
    /// Real elapsed time plus an offset: the module's driving thread then waits real milliseconds,
    /// yet the first collection can be made due a fraction of a second after start.
    /// </summary>
    internal sealed class OffsetRealTimeClock : IMonotonicClock
    {
        private readonly long _startTicks = DateTime.UtcNow.Ticks;
        private long _offset;

        internal OffsetRealTimeClock(long offsetMilliseconds)
        {
            _offset = offsetMilliseconds;
        }

        public long ElapsedMilliseconds
        {
            get
            {
                lock (this)
                {
                    return (DateTime.UtcNow.Ticks - _startTicks) / TimeSpan.TicksPerMillisecond + _offset;
                }
            }
        }

        internal void Jump(long milliseconds)
        {
            lock (this)
            {
                _offset += milliseconds;
            }
        }
    }
}
