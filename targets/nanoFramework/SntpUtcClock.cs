using System;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// The wall clock once the firmware's SNTP client has set it. nanoFramework starts SNTP by
    /// itself when the network gets an address (ESP32: nanoframework/nf-interpreter
    /// targets/ESP32/_common/targetHAL_Network.cpp, initialize_sntp on IP_EVENT_STA_GOT_IP and
    /// IP_EVENT_ETH_GOT_IP) and sets the system time, which <see cref="DateTime.UtcNow"/> reads.
    /// Before that the clock reads an early default date, so "valid" means "not before
    /// <see cref="NotBefore"/>" (nanoFramework's own NetworkHelper waits the same way, for
    /// <c>DateTime.UtcNow.Year &gt;= 2021</c>: nanoframework/System.Net
    /// nanoFramework.System.Net/NetworkHelper/NetworkHelper.cs).
    /// </summary>
    /// <remarks>
    /// To force a resynchronisation use <c>nanoFramework.Networking.Sntp.UpdateNow()</c> from the
    /// nanoFramework.Networking.Sntp package (not referenced here).
    /// </remarks>
    public sealed class SntpUtcClock : IUtcClock
    {
        /// <summary>Creates a clock that trusts any time from 2025-01-01 on.</summary>
        public SntpUtcClock()
            : this(new DateTime(2025, 1, 1))
        {
        }

        /// <summary>Creates a clock that trusts any time from <paramref name="notBefore"/> on.</summary>
        /// <param name="notBefore">Earliest plausible UTC time, e.g. the firmware's build date.</param>
        public SntpUtcClock(DateTime notBefore)
        {
            NotBefore = notBefore;
        }

        /// <summary>Earliest time taken as valid.</summary>
        public DateTime NotBefore { get; }

        /// <inheritdoc/>
        public int UtcOffsetMinutes => 0;

        /// <inheritdoc/>
        public bool TryGetUtcNow(out DateTime utcNow)
        {
            utcNow = DateTime.UtcNow;
            return utcNow >= NotBefore;
        }

        /// <summary>Waits until the time is valid or <paramref name="timeoutMilliseconds"/> passes.</summary>
        /// <param name="timeoutMilliseconds">Longest wait; <see cref="System.Threading.Timeout.Infinite"/> to wait forever.</param>
        /// <returns>True when the time is valid.</returns>
        public bool WaitForValidTime(int timeoutMilliseconds)
        {
            long start = Environment.TickCount64;
            DateTime now;
            while (!TryGetUtcNow(out now))
            {
                if (timeoutMilliseconds >= 0 && Environment.TickCount64 - start >= timeoutMilliseconds)
                {
                    return false;
                }

                System.Threading.Thread.Sleep(500);
            }

            return true;
        }
    }
}
