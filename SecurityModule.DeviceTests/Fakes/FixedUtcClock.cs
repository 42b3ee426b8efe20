using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>UTC that follows a monotonic clock from a fixed instant, at a fixed offset from local time.</summary>
    internal sealed class FixedUtcClock : IUtcClock
    {
        private readonly IMonotonicClock _monotonic;
        private readonly DateTime _atZero;

        internal FixedUtcClock(IMonotonicClock monotonic, DateTime atZero, int offsetMinutes)
        {
            _monotonic = monotonic;
            _atZero = atZero;
            UtcOffsetMinutes = offsetMinutes;
        }

        public int UtcOffsetMinutes { get; private set; }

        public bool TryGetUtcNow(out DateTime utcNow)
        {
            utcNow = _atZero.AddMilliseconds(_monotonic.ElapsedMilliseconds);
            return true;
        }
    }
}
