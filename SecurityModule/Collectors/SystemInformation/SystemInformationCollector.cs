#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Reports the device's facts as one SystemInformation payload item. The schema's own
    /// fields carry the OS, architecture, host name and memory; the rest goes into
    /// ExtraDetails as strings.
    /// </summary>
    internal sealed class SystemInformationCollector : Collector
    {
        // Key names per interface index, built once so that a snapshot builds no string.
        private static readonly string[] TypeKeys = InterfaceKeys("Type");
        private static readonly string[] MacKeys = InterfaceKeys("MacAddress");
        private static readonly string[] Ipv4Keys = InterfaceKeys("IPv4Address");
        private static readonly string[] Ipv6Keys = InterfaceKeys("IPv6Address");

        private readonly ISystemInformationSource _source;
        private readonly SystemInformation _information = new SystemInformation();
        private bool _firstField;

        internal SystemInformationCollector(ISystemInformationSource source)
        {
            _source = source;
        }

        internal override string Name => "SystemInformation";

        internal override CollectorPriority Priority => CollectorPriority.Low;

        internal override SecurityEventKind Kind => SecurityEventKind.SystemInformation;

        internal override bool IsSnapshot => true;

        internal override void Collect(SecurityMessageWriter writer)
        {
            _information.Clear();
            _source.Read(_information);
            writer.BeginEvent(SecurityEventKind.SystemInformation);
            do
            {
                writer.BeginItem();
                WriteItem(writer.Json);
            }
            while (!writer.EndItem());

            writer.EndEvent();
        }

        private void WriteItem(JsonWriter json)
        {
            SystemInformation info = _information;
            _firstField = true;
            WriteField(json, "OSName", info.OsName);
            WriteField(json, "OSVersion", info.OsVersion);
            WriteField(json, "OsArchitecture", info.Architecture);
            WriteField(json, "HostName", info.HostName);
            WriteNumber(json, "TotalPhysicalMemoryInKB", info.TotalMemoryKB);
            WriteNumber(json, "FreePhysicalMemoryInKB", info.FreeMemoryKB);

            if (!HasExtraDetails(info))
            {
                return;
            }

            Separate(json);
            json.WriteRaw("\"ExtraDetails\":{");
            _firstField = true;
            WriteField(json, "FirmwareVersion", info.FirmwareVersion);
            int count = info.InterfaceCount < SystemInformation.MaxInterfaces ? info.InterfaceCount : SystemInformation.MaxInterfaces;
            for (int i = 0; i < count; i++)
            {
                NetworkInterfaceInformation nic = info.Interfaces[i];
                WriteField(json, TypeKeys[i], nic.Type);
                WriteField(json, MacKeys[i], nic.MacAddress);
                WriteField(json, Ipv4Keys[i], nic.Ipv4Address);
                WriteField(json, Ipv6Keys[i], nic.Ipv6Address);
            }

            json.WriteByte((byte)'}');
        }

        private static bool HasExtraDetails(SystemInformation info)
        {
            return info.FirmwareVersion != null || info.InterfaceCount > 0;
        }

        private void WriteField(JsonWriter json, string name, string value)
        {
            if (value == null)
            {
                return;
            }

            Separate(json);
            json.WriteString(name);
            json.WriteByte((byte)':');
            json.WriteString(value);
        }

        private void WriteNumber(JsonWriter json, string name, long value)
        {
            if (value < 0)
            {
                return;
            }

            Separate(json);
            json.WriteString(name);
            json.WriteByte((byte)':');
            json.WriteInt64(value);
        }

        private void Separate(JsonWriter json)
        {
            if (!_firstField)
            {
                json.WriteByte((byte)',');
            }

            _firstField = false;
        }

        private static string[] InterfaceKeys(string field)
        {
            var keys = new string[SystemInformation.MaxInterfaces];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = "Interface" + i + "." + field;
            }

            return keys;
        }
    }
}
#endif
