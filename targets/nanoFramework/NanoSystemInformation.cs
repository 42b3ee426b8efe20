#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
using System;
using System.Net.NetworkInformation;
using nanoFramework.Runtime.Native;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// The device facts of the SystemInformation event, from nanoFramework's own APIs:
    /// <list type="bullet">
    /// <item>OSName ".NET nanoFramework", OSVersion <see cref="SystemInfo.Version"/> (the nanoCLR
    /// firmware), OsArchitecture <see cref="SystemInfo.Platform"/> (e.g. "ESP32"), HostName
    /// <see cref="SystemInfo.TargetName"/> (e.g. "ESP32_PSRAM_REV3"), FirmwareVersion the
    /// application's version or else <see cref="SystemInfo.OEMString"/>;</item>
    /// <item>network interfaces from <see cref="NetworkInterface.GetAllNetworkInterfaces"/>: type,
    /// MAC (from <see cref="NetworkInterface.PhysicalAddress"/>) and
    /// <see cref="NetworkInterface.IPv4Address"/>. nanoFramework's NetworkInterface keeps the IPv6
    /// address in private fields with no public getter, so no IPv6 address is reported;</item>
    /// <item>memory: on ESP32 builds (symbol ESP32) the native heap from
    /// nanoFramework.Hardware.Esp32's NativeMemory.GetMemoryInfo (total and free); elsewhere only
    /// the free managed heap that <see cref="nanoFramework.Runtime.Native.GC.Run"/> returns (total unknown). Note that GC.Run
    /// runs a garbage collection, once per SystemInformation snapshot.</item>
    /// </list>
    /// </summary>
    public sealed class NanoSystemInformation : ISystemInformationSource
    {
        private const string OsName = ".NET nanoFramework";

        private readonly string _osVersion;
        private readonly string _platform;
        private readonly string _targetName;
        private readonly string _firmwareVersion;

        /// <summary>Creates the source; the constant facts are read once, here.</summary>
        /// <param name="applicationFirmwareVersion">The application's version, reported as FirmwareVersion; null reports <see cref="SystemInfo.OEMString"/> instead.</param>
        public NanoSystemInformation(string applicationFirmwareVersion)
        {
            _osVersion = SystemInfo.Version.ToString();
            _platform = SystemInfo.Platform;
            _targetName = SystemInfo.TargetName;
            _firmwareVersion = applicationFirmwareVersion ?? SystemInfo.OEMString;
        }

        /// <inheritdoc/>
        public void Read(SystemInformation information)
        {
            information.OsName = OsName;
            information.OsVersion = _osVersion;
            information.Architecture = _platform;
            information.HostName = _targetName;
            information.FirmwareVersion = _firmwareVersion;
            ReadMemory(information);
            ReadInterfaces(information);
        }

        private static void ReadMemory(SystemInformation information)
        {
            try
            {
#if ESP32
                long total;
                long free;
                Esp32NativeMemory.Read(out total, out free);
                information.TotalMemoryKB = total / 1024;
                information.FreeMemoryKB = free / 1024;
#else
                information.FreeMemoryKB = nanoFramework.Runtime.Native.GC.Run(false) / 1024;
#endif
            }
            catch (Exception)
            {
                // leave -1: not reported
            }
        }

        private static void ReadInterfaces(SystemInformation information)
        {
            NetworkInterface[] interfaces;
            try
            {
                interfaces = NetworkInterface.GetAllNetworkInterfaces();
            }
            catch (Exception)
            {
                return;
            }

            int count = 0;
            for (int i = 0; i < interfaces.Length && count < SystemInformation.MaxInterfaces; i++)
            {
                NetworkInterface nic = interfaces[i];
                NetworkInterfaceInformation entry = information.Interfaces[count++];
                entry.Type = TypeName(nic.NetworkInterfaceType);
                entry.MacAddress = FormatMac(nic.PhysicalAddress);
                string ipv4 = nic.IPv4Address;
                entry.Ipv4Address = ipv4 == "0.0.0.0" ? null : ipv4;
            }

            information.InterfaceCount = count;
        }

        // Enum.ToString() gives the number on nanoFramework; the schema wants a name.
        private static string TypeName(NetworkInterfaceType type)
        {
            switch (type)
            {
                case NetworkInterfaceType.Ethernet:
                    return "Ethernet";
                case NetworkInterfaceType.Wireless80211:
                    return "Wireless80211";
                case NetworkInterfaceType.WirelessAP:
                    return "WirelessAP";
                default:
                    return "Unknown";
            }
        }

        private static string FormatMac(byte[] mac)
        {
            if (mac == null || mac.Length == 0)
            {
                return null;
            }

            const string Hex = "0123456789abcdef";
            var text = new char[mac.Length * 3 - 1];
            for (int i = 0; i < mac.Length; i++)
            {
                int at = i * 3;
                text[at] = Hex[mac[i] >> 4];
                text[at + 1] = Hex[mac[i] & 0xF];
                if (i < mac.Length - 1)
                {
                    text[at + 2] = ':';
                }
            }

            return new string(text);
        }
    }
}
#endif
