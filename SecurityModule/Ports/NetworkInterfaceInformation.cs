#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// One network interface of <see cref="SystemInformation"/>.
    /// </summary>
    public sealed class NetworkInterfaceInformation
    {
        /// <summary>Interface type, e.g. "Ethernet" or "Wireless80211".</summary>
        public string Type;

        /// <summary>MAC address as text, e.g. "24:0a:c4:01:02:03".</summary>
        public string MacAddress;

        /// <summary>IPv4 address as text.</summary>
        public string Ipv4Address;

        /// <summary>IPv6 address as text.</summary>
        public string Ipv6Address;

        /// <summary>Resets every field.</summary>
        public void Clear()
        {
            Type = null;
            MacAddress = null;
            Ipv4Address = null;
            Ipv6Address = null;
        }
    }
}
#endif
