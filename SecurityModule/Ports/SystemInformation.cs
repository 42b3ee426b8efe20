#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// What <see cref="ISystemInformationSource"/> reports. Numbers below 0 are not reported.
    /// </summary>
    public sealed class SystemInformation
    {
        /// <summary>Maximum number of network interfaces reported.</summary>
        public const int MaxInterfaces = 4;

        /// <summary>Operating system or runtime name, e.g. ".NET nanoFramework".</summary>
        public string OsName;

        /// <summary>Its version, e.g. the firmware (nanoCLR) version.</summary>
        public string OsVersion;

        /// <summary>Processor architecture or platform, e.g. "ESP32".</summary>
        public string Architecture;

        /// <summary>Host or target name, e.g. "ESP32_PSRAM_REV3".</summary>
        public string HostName;

        /// <summary>Application firmware version.</summary>
        public string FirmwareVersion;

        /// <summary>Total memory in KB; -1 when unknown.</summary>
        public long TotalMemoryKB = -1;

        /// <summary>Free memory in KB; -1 when unknown.</summary>
        public long FreeMemoryKB = -1;

        /// <summary>Network interfaces; the first <see cref="InterfaceCount"/> are reported.</summary>
        public readonly NetworkInterfaceInformation[] Interfaces;

        /// <summary>Number of entries of <see cref="Interfaces"/> in use.</summary>
        public int InterfaceCount;

        /// <summary>Creates an empty instance with room for <see cref="MaxInterfaces"/> interfaces.</summary>
        public SystemInformation()
        {
            Interfaces = new NetworkInterfaceInformation[MaxInterfaces];
            for (int i = 0; i < MaxInterfaces; i++)
            {
                Interfaces[i] = new NetworkInterfaceInformation();
            }
        }

        /// <summary>Resets every field, so that a source only sets what it knows.</summary>
        public void Clear()
        {
            OsName = null;
            OsVersion = null;
            Architecture = null;
            HostName = null;
            FirmwareVersion = null;
            TotalMemoryKB = -1;
            FreeMemoryKB = -1;
            InterfaceCount = 0;
            for (int i = 0; i < MaxInterfaces; i++)
            {
                Interfaces[i].Clear();
            }
        }
    }
}
#endif
