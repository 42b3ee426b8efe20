#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// One detection as the detector holds it: preallocated and copied field by field, so that
    /// raising one on the packet path allocates nothing. Its key (kind, rule, remote address,
    /// and for listening ports the socket) is what the rate limit counts per.
    /// </summary>
    internal sealed class Detection
    {
        internal readonly uint[] Address = new uint[4];
        internal int Kind;

        /// <summary>The rule that matched, as reported: a range's text or the twin property's name.</summary>
        internal string Rule;
        internal bool IsIpv6;
        internal bool HasRemote;
        internal FlowDirection Direction;
        internal TransportProtocol Protocol;
        internal ushort RemotePort;
        internal ushort LocalPort;

        /// <summary>The measure: flows matched, distinct ports of a scan, active connections.</summary>
        internal int Count;

        /// <summary>The limit that was crossed, for the sentence (port scans, active connections).</summary>
        internal int Limit;

        /// <summary>Repeats of this detection not sent, carried into its next event.</summary>
        internal int Suppressed;

        internal void SetIpv4(uint address)
        {
            HasRemote = true;
            IsIpv6 = false;
            Address[0] = address;
            Address[1] = 0;
            Address[2] = 0;
            Address[3] = 0;
        }

        internal void SetIpv6(uint w0, uint w1, uint w2, uint w3)
        {
            HasRemote = true;
            IsIpv6 = true;
            Address[0] = w0;
            Address[1] = w1;
            Address[2] = w2;
            Address[3] = w3;
        }

        internal void ClearRemote()
        {
            HasRemote = false;
            IsIpv6 = false;
            Address[0] = 0;
            Address[1] = 0;
            Address[2] = 0;
            Address[3] = 0;
            RemotePort = 0;
        }

        internal bool SameKey(Detection other)
        {
            return Kind == other.Kind
                && Rule == other.Rule
                && IsIpv6 == other.IsIpv6
                && HasRemote == other.HasRemote
                && Address[0] == other.Address[0]
                && Address[1] == other.Address[1]
                && Address[2] == other.Address[2]
                && Address[3] == other.Address[3]
                && (Kind != DetectionKind.UnexpectedListeningPort || (LocalPort == other.LocalPort && Protocol == other.Protocol));
        }

        internal void CopyFrom(Detection other)
        {
            Kind = other.Kind;
            Rule = other.Rule;
            IsIpv6 = other.IsIpv6;
            HasRemote = other.HasRemote;
            Address[0] = other.Address[0];
            Address[1] = other.Address[1];
            Address[2] = other.Address[2];
            Address[3] = other.Address[3];
            Direction = other.Direction;
            Protocol = other.Protocol;
            RemotePort = other.RemotePort;
            LocalPort = other.LocalPort;
            Count = other.Count;
            Limit = other.Limit;
            Suppressed = other.Suppressed;
        }
    }
}
#endif
