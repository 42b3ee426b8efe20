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

        internal FlowFilter(bool tcpDisabled, bool udpDisabled, bool icmpDisabled, bool captureUnicastOnly)
        {
            TcpDisabled = tcpDisabled;
            UdpDisabled = udpDisabled;
            IcmpDisabled = icmpDisabled;
            CaptureUnicastOnly = captureUnicastOnly;
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
