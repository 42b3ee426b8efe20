using System;

namespace NanoSecurity
{
    /// <summary>
    /// How long the session waits before its next connection attempt: exponential backoff with
    /// full jitter, 1 s doubling up to <see cref="AscPortConfig.ReconnectBackoffMax"/>.
    /// </summary>
    /// <remarks>
    /// Used by the session thread alone. A refused connection, a failed TLS handshake, a wrong
    /// key (CONNACK 4 or 5) and a link that dropped soon after it came up all count as one more
    /// failure; only a connection that stayed up for the cap starts the schedule again, so a hub
    /// that accepts and then drops every connection is not hammered either.
    /// </remarks>
    internal sealed class ReconnectBackoff
    {
        internal const int FirstMilliseconds = 1000;
        internal const int MaxMilliseconds = AscPortConfig.ReconnectBackoffMax * 1000;

        private readonly IRandomSource _random;
        private int _failures;
        private long _upSince = -1;

        internal ReconnectBackoff(IRandomSource random)
        {
            _random = random;
        }

        /// <summary>Failures since the last connection that stayed up.</summary>
        internal int Failures => _failures;

        /// <summary>The ceiling of the wait after <paramref name="failures"/> failures in a row: 1 s doubling to the cap.</summary>
        internal static int Ceiling(int failures)
        {
            int delay = FirstMilliseconds;
            for (int i = 1; i < failures && delay < MaxMilliseconds; i++)
            {
                delay *= 2;
            }

            return delay > MaxMilliseconds ? MaxMilliseconds : delay;
        }

        /// <summary>A connection attempt failed: the wait before the next one, at random in [0, ceiling].</summary>
        internal int Failed()
        {
            _failures++;
            int ceiling = Ceiling(_failures);
            try
            {
                return _random.Next(ceiling + 1);
            }
            catch (Exception)
            {
                // A failing random port costs the jitter, never the backoff.
                return ceiling;
            }
        }

        /// <summary>A connection came up at <paramref name="now"/> (monotonic milliseconds).</summary>
        internal void Connected(long now)
        {
            _upSince = now;
        }

        /// <summary>
        /// The connection that came up ended at <paramref name="now"/>. True when it stayed up for
        /// the cap (the schedule starts again and the session may reconnect at once); false when it
        /// counts as one more failure, and the caller waits <see cref="Failed"/>.
        /// </summary>
        internal bool Ended(long now)
        {
            bool stayedUp = _upSince >= 0 && now - _upSince >= MaxMilliseconds;
            _upSince = -1;
            if (stayedUp)
            {
                _failures = 0;
            }

            return stayedUp;
        }
    }
}
