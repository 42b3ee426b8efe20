using System;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="IUtcClock"/> on the PC's clock, which is always set (the operating system keeps
    /// it synchronised), so the module can timestamp events from the start.
    /// </summary>
    public sealed class SystemUtcClock : IUtcClock
    {
        /// <inheritdoc />
        public bool TryGetUtcNow(out DateTime utcNow)
        {
            utcNow = DateTime.UtcNow;
            return true;
        }

        /// <summary>
        /// Offset of the local time zone from UTC right now, in minutes (it follows daylight
        /// saving time, so it is read on every call).
        /// </summary>
        public int UtcOffsetMinutes => (int)TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalMinutes;
    }
}
