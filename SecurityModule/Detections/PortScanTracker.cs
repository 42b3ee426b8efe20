#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The recent inbound (remote address, local port) pairs, in a fixed table
    /// (ASC_DETECTIONS_PORT_SCAN_TABLE_SIZE), for telling a port scan: how many distinct local
    /// ports one remote touched within the window. O(table) per inbound new flow, no allocation.
    /// When the table is full the oldest pair gives way; if it was still inside the window the
    /// eviction is counted in <see cref="Overflows"/>, since a scan may then be undercounted.
    /// </summary>
    internal sealed class PortScanTracker
    {
        private const int Words = 4;

        private readonly uint[] _addresses;
        private readonly bool[] _isIpv6;
        private readonly ushort[] _ports;
        private readonly long[] _seenAt;
        private int _count;

        internal PortScanTracker(int capacity)
        {
            _addresses = new uint[capacity * Words];
            _isIpv6 = new bool[capacity];
            _ports = new ushort[capacity];
            _seenAt = new long[capacity];
        }

        internal int Capacity => _ports.Length;

        /// <summary>Pairs evicted while still inside the window, since the module started.</summary>
        internal long Overflows { get; private set; }

        internal void Clear()
        {
            _count = 0;
        }

        /// <summary>Records an inbound new flow and counts the distinct local ports its remote touched within the window.</summary>
        /// <returns>That count, this port included; 0 when the table has no room at all.</returns>
        internal int Touch(bool isIpv6, uint w0, uint w1, uint w2, uint w3, ushort localPort, long now, long windowMilliseconds)
        {
            if (_ports.Length == 0)
            {
                return 0;
            }

            long since = now - windowMilliseconds;
            int distinct = 0;
            int same = -1;
            int free = -1;
            int oldest = -1;
            for (int i = 0; i < _count; i++)
            {
                if (_seenAt[i] <= since)
                {
                    free = free < 0 ? i : free;
                    continue;
                }

                if (oldest < 0 || _seenAt[i] < _seenAt[oldest])
                {
                    oldest = i;
                }

                int w = i * Words;
                if (_isIpv6[i] == isIpv6 && _addresses[w] == w0 && _addresses[w + 1] == w1
                    && _addresses[w + 2] == w2 && _addresses[w + 3] == w3)
                {
                    distinct++;
                    if (_ports[i] == localPort)
                    {
                        same = i;
                    }
                }
            }

            if (same >= 0)
            {
                _seenAt[same] = now;
                return distinct;
            }

            int slot = free >= 0 ? free : _count < _ports.Length ? _count++ : oldest;
            int s = slot * Words;
            if (free < 0 && slot == oldest)
            {
                Overflows++;
                if (_isIpv6[slot] == isIpv6 && _addresses[s] == w0 && _addresses[s + 1] == w1
                    && _addresses[s + 2] == w2 && _addresses[s + 3] == w3)
                {
                    distinct--;
                }
            }

            _addresses[s] = w0;
            _addresses[s + 1] = w1;
            _addresses[s + 2] = w2;
            _addresses[s + 3] = w3;
            _isIpv6[slot] = isIpv6;
            _ports[slot] = localPort;
            _seenAt[slot] = now;
            return distinct + 1;
        }
    }
}
#endif
