using System;
using System.Diagnostics;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="IMonotonicClock"/> on the PC's high-resolution timer: milliseconds since the
    /// instance was created, unaffected by changes of the wall clock.
    /// </summary>
    public sealed class StopwatchMonotonicClock : IMonotonicClock
    {
        // A raw timestamp rather than a Stopwatch instance: reading it from any thread needs no lock,
        // and GetElapsedTime converts without the overflow of (ticks * 1000 / Frequency).
        private readonly long _start = Stopwatch.GetTimestamp();

        /// <inheritdoc />
        public long ElapsedMilliseconds => (long)Stopwatch.GetElapsedTime(_start).TotalMilliseconds;
    }
}
