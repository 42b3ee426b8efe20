#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
namespace NanoSecurity.DeviceTests
{
    /// <summary>Two fixed listening sockets: TCP 80 on every IPv4 address and UDP 5353 on IPv6.</summary>
    internal sealed class FixedListeningPorts : IListeningPortsSource
    {
        private static readonly byte[] AnyIpv6 = new byte[16];

        public void Read(ListeningPortList ports)
        {
            ports.AddIpv4(TransportProtocol.Tcp, 0, 80);
            ports.AddIpv6(TransportProtocol.Udp, AnyIpv6, 0, 5353);
        }
    }
}
#endif
