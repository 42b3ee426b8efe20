#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Counts IPv4 packets into per-flow totals between two collections of the network activity
    /// collector. The application's packet or socket hook calls <see cref="Record"/>.
    /// </summary>
    public sealed class Ipv4ConnectionCache : ConnectionCache
    {
        private const uint MulticastMask = 0xF0000000;
        private const uint MulticastPrefix = 0xE0000000;
        private const uint LimitedBroadcast = 0xFFFFFFFF;

        internal Ipv4ConnectionCache(int capacity, FlowFilter filter)
            : this(capacity, AscPortConfig.CollectorNetworkActivityMaxRefusedFlows, filter)
        {
        }

        /// <summary>A cache whose tables each count up to <paramref name="refusedBudget"/> distinct refused flows exactly.</summary>
        internal Ipv4ConnectionCache(int capacity, int refusedBudget, FlowFilter filter)
            : base(capacity, filter, new Ipv4FlowTable(capacity, refusedBudget), new Ipv4FlowTable(capacity, refusedBudget))
        {
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
        /// True when the packet was counted; false when a filter ignores it, when the module is
        /// suspended or ConnectionCreate events are Off, or when it starts a new flow while the
        /// cache is full (with flow aggregation: while a full table set aside waits for the
        /// collector too); such a flow is counted as dropped.
        /// </returns>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="bytes"/> is negative or <paramref name="direction"/> is not defined.</exception>
        public bool Record(FlowDirection direction, TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, int bytes)
        {
            int toGroup = (localAddress & MulticastMask) == MulticastPrefix || localAddress == LimitedBroadcast ? 1 : 0;
            if (!Accepts(direction, protocol, toGroup, bytes))
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
                var table = (Ipv4FlowTable)TableForRecord();
                if (table == null)
                {
                    return false;
                }

                int flows = table.Count;
                bool counted = table.Record(direction, protocol, localAddress, localPort, remoteAddress, remotePort, bytes);
#if ASC_DETECTIONS_ENABLED
                // Only a flow's first packet is evaluated, never the ones after it.
                if (table.Count != flows && Detector != null)
                {
                    Detector.OnNewIpv4Flow(direction, protocol, localPort, remoteAddress, remotePort);
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
        internal Ipv4FlowTable SwapForCollection()
        {
            return (Ipv4FlowTable)Swap();
        }

        /// <summary>The table set aside full, or null (see <see cref="ConnectionCache.SpillWhenFull"/>); <see cref="ConnectionCache.Release"/> it once read.</summary>
        internal Ipv4FlowTable TakeSpilledForCollection()
        {
            return (Ipv4FlowTable)TakeSpilled();
        }
    }
}
#endif
