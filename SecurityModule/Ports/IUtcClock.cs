using System;

namespace NanoSecurity
{
    /// <summary>
    /// The wall clock, used only to timestamp events. A device that has not yet synced its
    /// time (SNTP, RTC) says so, and the module timestamps nothing until it has.
    /// </summary>
    public interface IUtcClock
    {
        /// <summary>Gets the current UTC time.</summary>
        /// <param name="utcNow">The time, when it is known.</param>
        /// <returns>True when the device has a valid UTC time.</returns>
        bool TryGetUtcNow(out DateTime utcNow);

        /// <summary>Offset of local time from UTC in minutes; 0 when no zone is known.</summary>
        int UtcOffsetMinutes { get; }
    }
}
