namespace NanoSecurity
{
    /// <summary>
    /// Collected and dropped event counts per queue since the last DroppedEventsStatistics
    /// event. An event here is one flow for network activity and one event otherwise.
    /// </summary>
    internal sealed class EventStatistics
    {
        // nanoFramework's Interlocked has no Add: a lock keeps the pairs consistent.
        private readonly object _sync = new object();
        private readonly int[] _collected = new int[2];
        private readonly int[] _dropped = new int[2];

        internal void AddCollected(EventQueue queue, int count)
        {
            lock (_sync)
            {
                _collected[(int)queue] += count;
            }
        }

        /// <summary>Counts events lost. Callers count them as collected too, once, where they were first seen.</summary>
        internal void AddDropped(EventQueue queue, int count)
        {
            lock (_sync)
            {
                _dropped[(int)queue] += count;
            }
        }

        internal bool HasDrops
        {
            get
            {
                lock (_sync)
                {
                    return _dropped[0] != 0 || _dropped[1] != 0;
                }
            }
        }

        /// <summary>Reads and resets one queue's counters.</summary>
        internal void Take(EventQueue queue, out int collected, out int dropped)
        {
            lock (_sync)
            {
                collected = _collected[(int)queue];
                dropped = _dropped[(int)queue];
                _collected[(int)queue] = 0;
                _dropped[(int)queue] = 0;
            }
        }
    }
}
