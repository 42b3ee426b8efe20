#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Counts IPv6 packets into per-flow totals between two collections of the network activity
    /// collector. The application's packet or socket hook calls <see cref="Record"/>.
    /// </summary>
    /// <remarks>
    /// Memory is fixed at construction: two tables of <see cref="Capacity"/> flows, one recording
    /// while the collector reads the other. Recording a packet allocates nothing and costs O(1).
    /// <see cref="Record"/> may be called from any number of threads at once.
    /// </remarks>
    public sealed class Ipv6ConnectionCache
    {
        private const int AddressLength = 16;
        private const byte MulticastPrefix = 0xFF;

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
        private Ipv6FlowTable _recording;
        private Ipv6FlowTable _collected;
        private bool _suspended;

        internal Ipv6ConnectionCache(int capacity, FlowFilter filter)
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
            _recording = new Ipv6FlowTable(capacity);
            _collected = new Ipv6FlowTable(capacity);
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
        /// <param name="localAddress">Holds this device's 16-byte address, network order. Copied, never kept.</param>
        /// <param name="localOffset">Where the local address starts in <paramref name="localAddress"/>.</param>
        /// <param name="localPort">This device's port; 0 for ICMPv6.</param>
        /// <param name="remoteAddress">Holds the peer's 16-byte address, network order. Copied, never kept.</param>
        /// <param name="remoteOffset">Where the remote address starts in <paramref name="remoteAddress"/>.</param>
        /// <param name="remotePort">The peer's port; 0 for ICMPv6.</param>
        /// <param name="bytes">Size of the packet.</param>
        /// <returns>
        /// True when the packet was counted; false when a filter ignores it or when it starts a new
        /// flow while the cache is full (it is then counted as dropped until the next collection).
        /// </returns>
        /// <exception cref="System.ArgumentNullException">An address array is null.</exception>
        /// <exception cref="System.ArgumentException">An address does not fit in its array at its offset.</exception>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="bytes"/> is negative or <paramref name="direction"/> is not defined.</exception>
        public bool Record(FlowDirection direction, TransportProtocol protocol, byte[] localAddress, int localOffset, ushort localPort, byte[] remoteAddress, int remoteOffset, ushort remotePort, int bytes)
        {
            if (localAddress == null || remoteAddress == null)
            {
                throw new System.ArgumentNullException();
            }

            // Written so that no sum can overflow: a negative offset fails the first test.
            if (localOffset < 0 || localOffset > localAddress.Length - AddressLength
                || remoteOffset < 0 || remoteOffset > remoteAddress.Length - AddressLength)
            {
                throw new System.ArgumentException();
            }

            if (bytes < 0 || (direction != FlowDirection.In && direction != FlowDirection.Out))
            {
                throw new System.ArgumentOutOfRangeException();
            }

            if (!_filter.Accepts(protocol))
            {
                return false;
            }

            // The local address of a received packet is its destination; ff00::/8 is multicast.
            if (_filter.CaptureUnicastOnly
                && direction == FlowDirection.In
                && localAddress[localOffset] == MulticastPrefix)
            {
                return false;
            }

            lock (_lock)
            {
                if (_suspended)
                {
                    return false;
                }

                return _recording.Record(direction, protocol, localAddress, localOffset, localPort, remoteAddress, remoteOffset, remotePort, bytes);
            }
        }

        /// <summary>
        /// Starts a new collection interval: the other, empty table starts recording and the one
        /// that was recording is returned for the collector to read. Call from one thread only.
        /// </summary>
        /// <remarks>
        /// The caller should <see cref="Ipv6FlowTable.Clear"/> the returned table once read, outside
        /// any lock; if it has not by the next swap, that swap clears it (under the lock, making
        /// recorders wait longer) so an interval never carries flows of an older one.
        /// </remarks>
        internal Ipv6FlowTable SwapForCollection()
        {
            lock (_lock)
            {
                Ipv6FlowTable drained = _recording;
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
