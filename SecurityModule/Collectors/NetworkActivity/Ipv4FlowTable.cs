#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv4 flows of one collection interval: <see cref="FlowTable"/> plus the addresses.
    /// </summary>
    internal sealed class Ipv4FlowTable : FlowTable
    {
        // Odd multipliers of the key's words (xxHash32's primes), see FlowTable.Finish.
        private const uint LocalFactor = 0x9E3779B1;
        private const uint RemoteFactor = 0x85EBCA77;
        private const uint PortsFactor = 0xC2B2AE3D;

        private readonly uint[] _localAddresses;
        private readonly uint[] _remoteAddresses;

        /// <summary>A table that keeps up to asc_port.config's refused-flow budget of refused flows.</summary>
        internal Ipv4FlowTable(int capacity)
            : this(capacity, AscPortConfig.CollectorNetworkActivityMaxRefusedFlows)
        {
        }

        internal Ipv4FlowTable(int capacity, int refusedBudget)
            : base(capacity, refusedBudget)
        {
            _localAddresses = new uint[KeyCount(capacity, refusedBudget)];
            _remoteAddresses = new uint[KeyCount(capacity, refusedBudget)];
        }

        /// <summary>Local address of flow <paramref name="i"/>, first octet in the most significant byte.</summary>
        internal uint LocalAddress(int i) => _localAddresses[i];

        /// <summary>Remote address of flow <paramref name="i"/>, first octet in the most significant byte.</summary>
        internal uint RemoteAddress(int i) => _remoteAddresses[i];

        /// <summary>Hash of a flow key; direction is not part of the key.</summary>
        internal static uint Hash(TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort)
        {
            return Hash(protocol, localAddress, remoteAddress, Ports(localPort, remotePort));
        }

        /// <summary>
        /// Counts one packet. Returns false when the flow is not in the table and the table is
        /// full; the packet is then counted as dropped.
        /// </summary>
        internal bool Record(FlowDirection direction, TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, int bytes)
        {
            // Ports(localPort, remotePort), written out: on nanoCLR a call costs more.
            uint ports = ((uint)localPort << 16) | remotePort;
            uint hash = Hash(protocol, localAddress, remoteAddress, ports);
            uint bucket = Bucket(hash);
            int i = First(bucket);
            while (i != End
                && !(HasEnds(i, protocol, ports)
                    && _localAddresses[i] == localAddress
                    && _remoteAddresses[i] == remoteAddress))
            {
                i = Next(i);
            }

            if (i == End)
            {
                i = Claim(hash, bucket, direction, protocol, ports, bytes);
                if (i == End)
                {
                    return false;
                }

                _localAddresses[i] = localAddress;
                _remoteAddresses[i] = remoteAddress;
                return IsStored(i);
            }

            return AddPacket(i, direction, bytes);
        }

        private static uint Hash(TransportProtocol protocol, uint localAddress, uint remoteAddress, uint ports)
        {
            return Finish((uint)protocol + (localAddress * LocalFactor) + (remoteAddress * RemoteFactor) + (ports * PortsFactor));
        }
    }
}
#endif
