#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The detection rules in force: asc_port.config's defaults, or what the twin's
    /// <c>nanoSecurity:DetectionConfiguration</c> sets, within the compiled capacities.
    /// Not thread-safe: its owner locks.
    /// </summary>
    internal sealed class DetectionSettings
    {
        internal readonly AddressRuleList DeniedRemoteAddresses = new AddressRuleList(AscPortConfig.DetectionsMaxDeniedRanges);
        internal readonly AddressRuleList AllowedRemoteAddresses = new AddressRuleList(AscPortConfig.DetectionsMaxAllowedRanges);
        internal readonly PortRuleList ExpectedListeningPorts = new PortRuleList(AscPortConfig.DetectionsMaxExpectedListeningPorts);

        /// <summary>Whether detections are raised at all (the twin's <c>enabled</c>).</summary>
        internal bool Enabled = true;

        internal int ActiveConnectionsMin = AscPortConfig.DetectionsActiveConnectionsMin;
        internal int ActiveConnectionsMax = AscPortConfig.DetectionsActiveConnectionsMax;

        /// <summary>More distinct local ports than this from one remote within the window is a scan; 0 turns it off.</summary>
        internal int PortScanDistinctPorts = AscPortConfig.DetectionsPortScanDistinctPorts;

        /// <summary>Seconds.</summary>
        internal long PortScanWindow = AscPortConfig.DetectionsPortScanWindow;

        /// <summary>The rules of asc_port.config (the build checked their syntax and counts).</summary>
        internal static DetectionSettings Defaults()
        {
            var settings = new DetectionSettings();
            AddRanges(AscPortConfig.DetectionsDeniedRemoteAddresses, settings.DeniedRemoteAddresses);
            AddRanges(AscPortConfig.DetectionsAllowedRemoteAddresses, settings.AllowedRemoteAddresses);
            AddPorts(AscPortConfig.DetectionsExpectedListeningPorts, settings.ExpectedListeningPorts);
            return settings;
        }

        /// <summary>Adds the ranges of a comma-separated list; returns the first error, or null.</summary>
        internal static string AddRanges(string list, AddressRuleList into)
        {
            string[] items = Items(list);
            string first = null;
            for (int i = 0; i < items.Length; i++)
            {
                var range = new CidrRange();
                string error = CidrRange.TryParse(items[i], range);
                if (error == null)
                {
                    into.Add(range);
                }
                else if (first == null)
                {
                    first = error;
                }
            }

            return first;
        }

        /// <summary>Adds the rules of a comma-separated list of tcp/PORT, udp/PORT; returns the first error, or null.</summary>
        internal static string AddPorts(string list, PortRuleList into)
        {
            string[] items = Items(list);
            string first = null;
            for (int i = 0; i < items.Length; i++)
            {
                TransportProtocol protocol;
                ushort port;
                string error = PortRuleList.TryParse(items[i], out protocol, out port);
                if (error == null)
                {
                    into.Add(protocol, port);
                }
                else if (first == null)
                {
                    first = error;
                }
            }

            return first;
        }

        /// <summary>The trimmed, non-empty items of a comma-separated list.</summary>
        private static string[] Items(string list)
        {
            string[] parts = list.Split(',');
            int count = 0;
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = parts[i].Trim();
                if (parts[i].Length > 0)
                {
                    parts[count++] = parts[i];
                }
            }

            var items = new string[count];
            System.Array.Copy(parts, items, count);
            return items;
        }

        internal void CopyFrom(DetectionSettings other)
        {
            Enabled = other.Enabled;
            DeniedRemoteAddresses.CopyFrom(other.DeniedRemoteAddresses);
            AllowedRemoteAddresses.CopyFrom(other.AllowedRemoteAddresses);
            ExpectedListeningPorts.CopyFrom(other.ExpectedListeningPorts);
            ActiveConnectionsMin = other.ActiveConnectionsMin;
            ActiveConnectionsMax = other.ActiveConnectionsMax;
            PortScanDistinctPorts = other.PortScanDistinctPorts;
            PortScanWindow = other.PortScanWindow;
        }

        internal bool SameAs(DetectionSettings other)
        {
            return Enabled == other.Enabled
                && DeniedRemoteAddresses.SameAs(other.DeniedRemoteAddresses)
                && AllowedRemoteAddresses.SameAs(other.AllowedRemoteAddresses)
                && ExpectedListeningPorts.SameAs(other.ExpectedListeningPorts)
                && ActiveConnectionsMin == other.ActiveConnectionsMin
                && ActiveConnectionsMax == other.ActiveConnectionsMax
                && PortScanDistinctPorts == other.PortScanDistinctPorts
                && PortScanWindow == other.PortScanWindow;
        }
    }
}
#endif
