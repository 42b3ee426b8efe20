#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Counts IPv6 packets into per-flow totals between two collections of the network activity
    /// collector. The application's packet or socket hook calls <see cref="Record"/>.
    /// </summary>
    public sealed class Ipv6ConnectionCache : ConnectionCache
    {
        private const int AddressLength = 16;
        private const byte MulticastPrefix = 0xFF;

        internal Ipv6ConnectionCache(int capacity, FlowFilter filter)
            : this(capacity, AscPortConfig.CollectorNetworkActivityMaxRefusedFlows, filter)
        {
        }

        /// <summary>A cache whose tables each count up to <paramref name="refusedBudget"/> distinct refused flows exactly.</summary>
        internal Ipv6ConnectionCache(int capacity, int refusedBudget, FlowFilter filter)
            : base(capacity, filter, new Ipv6FlowTable(capacity, refusedBudget), new Ipv6FlowTable(capacity, refusedBudget))
        {
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
        /// True when the packet was counted; false when a filter ignores it, when the module is
        /// suspended or ConnectionCreate events are Off, or when it starts a new flow while the
        /// cache is full (with flow aggregation: while a full table set aside waits for the
        /// collector too); such a flow is counted as dropped.
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

            // ff00::/8 is multicast.
            if (!Accepts(direction, protocol, localAddress[localOffset] == MulticastPrefix ? 1 : 0, bytes))
            {
                return false;
            }

            // Enter(), written out.
            if (System.Threading.Interlocked.CompareExchange(ref Held, Taken, Free) != Free)
            {
                EnterContended();
            }

            try
            {
                var table = (Ipv6FlowTable)TableForRecord();
                if (table == null)
                {
                    return false;
                }

                int flows = table.Count;
                bool counted = table.Record(direction, protocol, localAddress, localOffset, localPort, remoteAddress, remoteOffset, remotePort, bytes);
#if ASC_DETECTIONS_ENABLED
                // Only a flow's first packet is evaluated, never the ones after it.
                if (table.Count != flows && Detector != null)
                {
                    Detector.OnNewIpv6Flow(direction, protocol, localPort, remoteAddress, remoteOffset, remotePort);
                }
#endif
                return counted;
            }
            finally
            {
                // Exit(), written out.
                if (System.Threading.Interlocked.Exchange(ref Held, Free) != Taken)
                {
                    StepAside();
                }
            }
        }

        /// <summary>Swaps tables and returns the one that was recording (see <see cref="ConnectionCache"/>).</summary>
        internal Ipv6FlowTable SwapForCollection()
        {
            return (Ipv6FlowTable)Swap();
        }

        /// <summary>The table set aside full, or null (see <see cref="ConnectionCache.SpillWhenFull"/>); <see cref="ConnectionCache.Release"/> it once read.</summary>
        internal Ipv6FlowTable TakeSpilledForCollection()
        {
            return (Ipv6FlowTable)TakeSpilled();
        }
    }
}
#endif
