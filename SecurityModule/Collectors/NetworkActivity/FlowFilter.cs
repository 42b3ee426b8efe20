#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The record-time filters of the flow caches. <see cref="FromConfig"/> gives the ones
    /// asc_port.config compiled in; tests build others.
    /// </summary>
    internal sealed class FlowFilter
    {
        internal readonly bool TcpDisabled;
        internal readonly bool UdpDisabled;
        internal readonly bool IcmpDisabled;
        internal readonly bool CaptureUnicastOnly;

        /// <summary>
        /// All the filters as one word: bit <see cref="Bit"/> is set when a packet of that
        /// protocol, direction and kind of local address is recorded. One test per packet
        /// instead of a switch and three fields.
        /// </summary>
        internal readonly int Recorded;

        internal FlowFilter(bool tcpDisabled, bool udpDisabled, bool icmpDisabled, bool captureUnicastOnly)
        {
            TcpDisabled = tcpDisabled;
            UdpDisabled = udpDisabled;
            IcmpDisabled = icmpDisabled;
            CaptureUnicastOnly = captureUnicastOnly;
            for (int protocol = (int)TransportProtocol.Tcp; protocol <= (int)TransportProtocol.Icmp; protocol++)
            {
                if (!Accepts((TransportProtocol)protocol))
                {
                    continue;
                }

                for (int direction = (int)FlowDirection.In; direction <= (int)FlowDirection.Out; direction++)
                {
                    Recorded |= 1 << Bit((TransportProtocol)protocol, (FlowDirection)direction, 0);

                    // The local address of a received packet is its destination.
                    if (!(captureUnicastOnly && direction == (int)FlowDirection.In))
                    {
                        Recorded |= 1 << Bit((TransportProtocol)protocol, (FlowDirection)direction, 1);
                    }
                }
            }
        }

        /// <summary>
        /// Position in <see cref="Recorded"/> of a packet of a defined protocol and direction;
        /// <paramref name="toGroupAddress"/> is 1 when its local address is multicast or broadcast, else 0.
        /// </summary>
        internal static int Bit(TransportProtocol protocol, FlowDirection direction, int toGroupAddress)
        {
            return ((int)protocol << 2) | ((int)direction << 1) | toGroupAddress;
        }

        internal static FlowFilter FromConfig()
        {
            return new FlowFilter(
                AscPortConfig.CollectorNetworkActivityTcpDisabled,
                AscPortConfig.CollectorNetworkActivityUdpDisabled,
                AscPortConfig.CollectorNetworkActivityIcmpDisabled,
                AscPortConfig.CollectorNetworkActivityCaptureUnicastOnly);
        }

        internal bool Accepts(TransportProtocol protocol)
        {
            switch (protocol)
            {
                case TransportProtocol.Tcp: return !TcpDisabled;
                case TransportProtocol.Udp: return !UdpDisabled;
                case TransportProtocol.Icmp: return !IcmpDisabled;
                default: return false;
            }
        }
    }
}
#endif
