#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
namespace NanoSecurity.DeviceTests
{
    /// <summary>Fixed system facts; the host name holds an emoji (outside the BMP) on purpose.</summary>
    internal sealed class FixedSystemInformation : ISystemInformationSource
    {
        internal const string HostName = "sensor-\U0001F600-7";

        public void Read(SystemInformation information)
        {
            information.OsName = "nanoFramework";
            information.OsVersion = "1.17.11";
            information.Architecture = "ESP32";
            information.HostName = HostName;
            information.FirmwareVersion = "fw 2.4";
            information.TotalMemoryKB = 520;
            information.FreeMemoryKB = 211;
            information.InterfaceCount = 1;
            NetworkInterfaceInformation wifi = information.Interfaces[0];
            wifi.Type = "Wireless80211";
            wifi.MacAddress = "24:0a:c4:00:11:22";
            wifi.Ipv4Address = "192.168.1.40";
            wifi.Ipv6Address = "fe80::260a:c4ff:fe00:1122";
        }
    }
}
#endif
