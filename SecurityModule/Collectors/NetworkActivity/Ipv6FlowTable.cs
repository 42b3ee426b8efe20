#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv6 flows of one collection interval: <see cref="FlowTable"/> plus the addresses.
    /// </summary>
    internal sealed class Ipv6FlowTable : FlowTable
    {
        // An address is kept as four words at [4 * i .. 4 * i + 3], each four bytes of it read in
        // the machine's byte order (BitConverter: one native call on nanoCLR, one load on .NET,
        // instead of four byte loads and shifts): comparing four words is much cheaper than
        // sixteen bytes on an interpreted runtime.
        private const int WordsPerAddress = 4;

        // The byte order BitConverter reads in, probed once: nanoFramework's mscorlib declares
        // BitConverter.IsLittleEndian as a property and .NET as a field, so no compiled reference
        // to it runs on both.
        private static readonly bool LittleEndian = System.BitConverter.ToUInt32(new byte[] { 1, 0, 0, 0 }, 0) == 1;

        private readonly uint[] _localAddresses;
        private readonly uint[] _remoteAddresses;
        private readonly bool _littleEndian;

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

            // Read here so that the probe's one allocation happens when the module is built.
            _littleEndian = LittleEndian;
        }

        /// <summary>Copies the 16-byte local address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyLocalAddress(int i, byte[] destination, int offset)
        {
            WriteAddress(_localAddresses, i * WordsPerAddress, destination, offset, _littleEndian);
        }

        /// <summary>Copies the 16-byte remote address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyRemoteAddress(int i, byte[] destination, int offset)
        {
            WriteAddress(_remoteAddresses, i * WordsPerAddress, destination, offset, _littleEndian);
        }

        /// <summary>
        /// Hash of a flow key given as address words, first byte in the most significant one (as
        /// a model computes it); direction is not part of the key. The table hashes the words in
        /// its own byte order, which gives the same value.
        /// </summary>
        internal static uint Hash(
            TransportProtocol protocol,
            uint local0, uint local1, uint local2, uint local3, ushort localPort,
            uint remote0, uint remote1, uint remote2, uint remote3, ushort remotePort)
        {
            bool swap = LittleEndian;
            return HashStored(
                protocol,
                Stored(local0, swap), Stored(local1, swap), Stored(local2, swap), Stored(local3, swap), localPort,
                Stored(remote0, swap), Stored(remote1, swap), Stored(remote2, swap), Stored(remote3, swap), remotePort);
        }

        /// <summary>
        /// Counts one packet; the 16-byte addresses are read at the offsets and copied, never kept.
        /// Returns false when the flow is not in the table and the table is full; the packet is
        /// then counted as dropped. The caller has checked the arrays.
        /// </summary>
        internal bool Record(FlowDirection direction, TransportProtocol protocol, byte[] localAddress, int localOffset, ushort localPort, byte[] remoteAddress, int remoteOffset, ushort remotePort, int bytes)
        {
            uint local0 = System.BitConverter.ToUInt32(localAddress, localOffset);
            uint local1 = System.BitConverter.ToUInt32(localAddress, localOffset + 4);
            uint local2 = System.BitConverter.ToUInt32(localAddress, localOffset + 8);
            uint local3 = System.BitConverter.ToUInt32(localAddress, localOffset + 12);
            uint remote0 = System.BitConverter.ToUInt32(remoteAddress, remoteOffset);
            uint remote1 = System.BitConverter.ToUInt32(remoteAddress, remoteOffset + 4);
            uint remote2 = System.BitConverter.ToUInt32(remoteAddress, remoteOffset + 8);
            uint remote3 = System.BitConverter.ToUInt32(remoteAddress, remoteOffset + 12);
            uint hash = HashStored(protocol, local0, local1, local2, local3, localPort, remote0, remote1, remote2, remote3, remotePort);

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

        /// <summary>Hash of a key whose address words are in the table's byte order.</summary>
        private static uint HashStored(
            TransportProtocol protocol,
            uint local0, uint local1, uint local2, uint local3, ushort localPort,
            uint remote0, uint remote1, uint remote2, uint remote3, ushort remotePort)
        {
            // One multiply per word (see FlowTable.Spread), all independent of each other.
            return Finish((uint)protocol
                + (local0 * Spread0) + (local1 * Spread1) + (local2 * Spread2) + (local3 * Spread3)
                + (remote0 * Spread4) + (remote1 * Spread5) + (remote2 * Spread6) + (remote3 * Spread7)
                + ((((uint)localPort << 16) | remotePort) * Spread8));
        }

        /// <summary>
        /// A word read first byte in the most significant one as the table reads it, and back:
        /// its bytes reversed on a little-endian machine (<paramref name="swap"/>).
        /// </summary>
        private static uint Stored(uint word, bool swap)
        {
            return swap
                ? (word >> 24) | ((word >> 8) & 0xFF00) | ((word << 8) & 0xFF0000) | (word << 24)
                : word;
        }

        private static void WriteAddress(uint[] words, int first, byte[] destination, int offset, bool swap)
        {
            for (int k = 0; k < WordsPerAddress; k++)
            {
                // Back to network order: the word's first byte read is its most significant.
                uint word = Stored(words[first + k], swap);
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
