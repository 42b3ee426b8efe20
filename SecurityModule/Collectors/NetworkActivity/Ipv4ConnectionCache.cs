#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Counts IPv4 packets into per-flow totals between two collections of the network activity
    /// collector. The application's packet or socket hook calls <see cref="Record"/>.
    /// </summary>
    /// <remarks>
    /// Memory is fixed at construction: two tables of <see cref="Capacity"/> flows, one recording
    /// while the collector reads the other. Recording a packet allocates nothing and costs O(1).
    /// <see cref="Record"/> may be called from any number of threads at once.
    /// </remarks>
    public sealed class Ipv4ConnectionCache
    {
        private const uint MulticastMask = 0xF0000000;
        private const uint MulticastPrefix = 0xE0000000;
        private const uint LimitedBroadcast = 0xFFFFFFFF;

        // Record does its whole lookup-and-count under this lock, and SwapForCollection changes
        // _recording under it too, so every packet lands entirely in the table that was recording
        // when it took the lock: before the swap it is in the drained table, after it in the next
        // one, and none is lost or counted twice. Once swapped out a table is no longer reachable
        // by Record, so the collector reads and clears it without the lock; that Clear precedes the
        // swap that brings the table back, whose lock publishes it to the recorders. The lock is
        // held for a hash, a short chain walk and a few stores: the IP thread barely waits.
        private readonly object _lock = new object();
        private readonly FlowFilter _filter;
        private readonly int _capacity;
        private Ipv4FlowTable _recording;
        private Ipv4FlowTable _collected;
        private bool _suspended;

        internal Ipv4ConnectionCache(int capacity, FlowFilter filter)
        {
            if (capacity < 0)
            {
                throw new System.ArgumentOutOfRangeException();
            }

            if (filter == null)
            {
                throw new System.ArgumentNullException();
            }

            _filter = filter;
            _capacity = capacity;
            _recording = new Ipv4FlowTable(capacity);
            _collected = new Ipv4FlowTable(capacity);
        }

        /// <summary>Flows the cache can hold per collection interval.</summary>
        public int Capacity
        {
            get { return _capacity; }
        }

        /// <summary>Flows in the table currently recording (for a fill gauge).</summary>
        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _recording.Count;
                }
            }
        }

        /// <summary>
        /// Counts one packet into its flow. Packets of one conversation in both directions are one
        /// flow: the key is the addresses, the ports and the protocol.
        /// </summary>
        /// <param name="direction">Whether the device received or sent the packet.</param>
        /// <param name="protocol">Transport protocol of the packet.</param>
        /// <param name="localAddress">This device's address, first octet in the most significant byte: 192.168.1.2 is 0xC0A80102.</param>
        /// <param name="localPort">This device's port; 0 for ICMP.</param>
        /// <param name="remoteAddress">The peer's address, first octet in the most significant byte.</param>
        /// <param name="remotePort">The peer's port; 0 for ICMP.</param>
        /// <param name="bytes">Size of the packet.</param>
        /// <returns>
        /// True when the packet was counted; false when a filter ignores it or when it starts a new
        /// flow while the cache is full (it is then counted as dropped until the next collection).
        /// </returns>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="bytes"/> is negative or <paramref name="direction"/> is not defined.</exception>
        public bool Record(FlowDirection direction, TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, int bytes)
        {
            if (bytes < 0 || (direction != FlowDirection.In && direction != FlowDirection.Out))
            {
                throw new System.ArgumentOutOfRangeException();
            }

            if (!_filter.Accepts(protocol))
            {
                return false;
            }

            // The local address of a received packet is its destination.
            if (_filter.CaptureUnicastOnly
                && direction == FlowDirection.In
                && ((localAddress & MulticastMask) == MulticastPrefix || localAddress == LimitedBroadcast))
            {
                return false;
            }

            lock (_lock)
            {
                if (_suspended)
                {
                    return false;
                }

                return _recording.Record(direction, protocol, localAddress, localPort, remoteAddress, remotePort, bytes);
            }
        }

        /// <summary>
        /// Starts a new collection interval: the other, empty table starts recording and the one
        /// that was recording is returned for the collector to read. Call from one thread only.
        /// </summary>
        /// <remarks>
        /// The caller should <see cref="Ipv4FlowTable.Clear"/> the returned table once read, outside
        /// any lock; if it has not by the next swap, that swap clears it (under the lock, making
        /// recorders wait longer) so an interval never carries flows of an older one.
        /// </remarks>
        internal Ipv4FlowTable SwapForCollection()
        {
            lock (_lock)
            {
                Ipv4FlowTable drained = _recording;
                _collected.Clear();
                _recording = _collected;
                _collected = drained;
                return drained;
            }
        }

        /// <summary>Makes <see cref="Record"/> a no-op and forgets what was recorded (module suspended).</summary>
        internal void Suspend()
        {
            lock (_lock)
            {
                _suspended = true;
                _recording.Clear();
                _collected.Clear();
            }
        }

        /// <summary>Lets <see cref="Record"/> count again.</summary>
        internal void Resume()
        {
            lock (_lock)
            {
                _suspended = false;
            }
        }
    }
}
#endif
