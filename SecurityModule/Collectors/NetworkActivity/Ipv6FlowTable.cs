#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv6 flows of one collection interval: <see cref="FlowTable"/> plus the addresses.
    /// </summary>
    internal sealed class Ipv6FlowTable : FlowTable
    {
        // An address is kept as four big-endian words at [4 * i .. 4 * i + 3]: comparing four
        // words is much cheaper than sixteen bytes on an interpreted runtime.
        private const int WordsPerAddress = 4;

        private readonly uint[] _localAddresses;
        private readonly uint[] _remoteAddresses;

        /// <summary>A table that keeps up to asc_port.config's refused-flow budget of refused flows.</summary>
        internal Ipv6FlowTable(int capacity)
            : this(capacity, AscPortConfig.CollectorNetworkActivityMaxRefusedFlows)
        {
        }

        internal Ipv6FlowTable(int capacity, int refusedBudget)
            : base(capacity, refusedBudget)
        {
            _localAddresses = new uint[KeyCount(capacity, refusedBudget) * WordsPerAddress];
            _remoteAddresses = new uint[KeyCount(capacity, refusedBudget) * WordsPerAddress];
        }

        /// <summary>Copies the 16-byte local address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyLocalAddress(int i, byte[] destination, int offset)
        {
            WriteAddress(_localAddresses, i * WordsPerAddress, destination, offset);
        }

        /// <summary>Copies the 16-byte remote address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyRemoteAddress(int i, byte[] destination, int offset)
        {
            WriteAddress(_remoteAddresses, i * WordsPerAddress, destination, offset);
        }

        /// <summary>Hash of a flow key given as address words; direction is not part of the key.</summary>
        internal static uint Hash(
            TransportProtocol protocol,
            uint local0, uint local1, uint local2, uint local3, ushort localPort,
            uint remote0, uint remote1, uint remote2, uint remote3, ushort remotePort)
        {
            uint hash = Mix((uint)protocol, local0);
            hash = Mix(hash, local1);
            hash = Mix(hash, local2);
            hash = Mix(hash, local3);
            hash = Mix(hash, remote0);
            hash = Mix(hash, remote1);
            hash = Mix(hash, remote2);
            hash = Mix(hash, remote3);
            hash = Mix(hash, ((uint)localPort << 16) | remotePort);
            return Finish(hash);
        }

        /// <summary>
        /// Counts one packet; the 16-byte addresses are read at the offsets and copied, never kept.
        /// Returns false when the flow is not in the table and the table is full; the packet is
        /// then counted as dropped. The caller has checked the arrays.
        /// </summary>
        internal bool Record(FlowDirection direction, TransportProtocol protocol, byte[] localAddress, int localOffset, ushort localPort, byte[] remoteAddress, int remoteOffset, ushort remotePort, int bytes)
        {
            uint local0 = ReadWord(localAddress, localOffset);
            uint local1 = ReadWord(localAddress, localOffset + 4);
            uint local2 = ReadWord(localAddress, localOffset + 8);
            uint local3 = ReadWord(localAddress, localOffset + 12);
            uint remote0 = ReadWord(remoteAddress, remoteOffset);
            uint remote1 = ReadWord(remoteAddress, remoteOffset + 4);
            uint remote2 = ReadWord(remoteAddress, remoteOffset + 8);
            uint remote3 = ReadWord(remoteAddress, remoteOffset + 12);
            uint hash = Hash(protocol, local0, local1, local2, local3, localPort, remote0, remote1, remote2, remote3, remotePort);

            int i = First(hash);
            while (i != End)
            {
                // Ports and the low (interface) address words differ most between flows, so
                // comparing them first rejects a chained neighbour soonest.
                int w = i * WordsPerAddress;
                if (HasEnds(i, protocol, localPort, remotePort)
                    && _localAddresses[w + 3] == local3
                    && _remoteAddresses[w + 3] == remote3
                    && _localAddresses[w + 2] == local2
                    && _remoteAddresses[w + 2] == remote2
                    && _localAddresses[w + 1] == local1
                    && _remoteAddresses[w + 1] == remote1
                    && _localAddresses[w] == local0
                    && _remoteAddresses[w] == remote0)
                {
                    break;
                }

                i = Next(i);
            }

            if (i == End)
            {
                i = Claim(hash, direction, protocol, localPort, remotePort);
                if (i == End)
                {
                    return false;
                }

                int w = i * WordsPerAddress;
                _localAddresses[w] = local0;
                _localAddresses[w + 1] = local1;
                _localAddresses[w + 2] = local2;
                _localAddresses[w + 3] = local3;
                _remoteAddresses[w] = remote0;
                _remoteAddresses[w + 1] = remote1;
                _remoteAddresses[w + 2] = remote2;
                _remoteAddresses[w + 3] = remote3;
            }

            return AddPacket(i, direction, bytes);
        }

        private static uint ReadWord(byte[] source, int offset)
        {
            return ((uint)source[offset] << 24)
                | ((uint)source[offset + 1] << 16)
                | ((uint)source[offset + 2] << 8)
                | source[offset + 3];
        }

        private static void WriteAddress(uint[] words, int first, byte[] destination, int offset)
        {
            for (int k = 0; k < WordsPerAddress; k++)
            {
                uint word = words[first + k];
                int at = offset + (k * 4);
                destination[at] = (byte)(word >> 24);
                destination[at + 1] = (byte)(word >> 16);
                destination[at + 2] = (byte)(word >> 8);
                destination[at + 3] = (byte)word;
            }
        }
    }
}
#endif
