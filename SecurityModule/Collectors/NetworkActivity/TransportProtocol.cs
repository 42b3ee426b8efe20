namespace NanoSecurity
{
    /// <summary>
    /// Transport protocol of a flow, as the security message schema names it.
    /// </summary>
    public enum TransportProtocol : byte
    {
        /// <summary>TCP.</summary>
        Tcp = 0,

        /// <summary>UDP.</summary>
        Udp = 1,

        /// <summary>ICMP or ICMPv6. Ports are 0.</summary>
        Icmp = 2,
    }
}
