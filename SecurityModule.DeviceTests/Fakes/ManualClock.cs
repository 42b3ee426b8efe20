namespace NanoSecurity.DeviceTests
{
    /// <summary>A monotonic clock moved by hand.</summary>
    internal sealed class ManualClock : IMonotonicClock
    {
        private long _milliseconds;

        public long ElapsedMilliseconds
        {
            get { lock (this) { return _milliseconds; } }
        }

        internal void Set(long milliseconds)
        {
            lock (this)
            {
                _milliseconds = milliseconds;
            }
        }

        internal void Advance(long milliseconds)
        {
            lock (this)
            {
                _milliseconds += milliseconds;
            }
        }
    }
}
