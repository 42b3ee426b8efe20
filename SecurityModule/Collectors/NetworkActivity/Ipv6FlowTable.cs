#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv6 flows of one collection interval: <see cref="FlowTable"/> plus the addresses.
    /// </summary>
    internal sealed class Ipv6FlowTable : FlowTable
    {
        // An address is kept as two 64-bit words, each eight bytes of it read in the machine's
        // byte order (BitConverter: one native call on nanoCLR and one load on .NET, instead of
        // eight byte loads and shifts), so a lookup compares four words where it compared
        // sixteen bytes. Flow i's local address is at [4 * i, 4 * i + 1] of one array and its
        // remote address right after, so a lookup reads one array, mostly one cache line.
        private const int WordsPerFlow = 4;

        // Odd multipliers of the key's words (xxHash64's primes), see FlowTable.Finish.
        private const ulong LocalHighFactor = 0x9E3779B185EBCA87;
        private const ulong LocalLowFactor = 0xC2B2AE3D27D4EB4F;
        private const ulong RemoteHighFactor = 0x165667B19E3779F9;
        private const ulong RemoteLowFactor = 0x85EBCA77C2B2AE63;
        private const ulong PortsFactor = 0x27D4EB2F165667C5;

        // The byte order BitConverter reads in, probed once: nanoFramework's mscorlib declares
        // BitConverter.IsLittleEndian as a property and .NET as a field, so no compiled reference
        // to it runs on both.
        private static readonly bool LittleEndian = System.BitConverter.ToUInt32(new byte[] { 1, 0, 0, 0 }, 0) == 1;

        private readonly ulong[] _addresses;
        private readonly bool _littleEndian;

        /// <summary>A table that keeps up to asc_port.config's refused-flow budget of refused flows.</summary>
        internal Ipv6FlowTable(int capacity)
            : this(capacity, AscPortConfig.CollectorNetworkActivityMaxRefusedFlows)
        {
        }

        internal Ipv6FlowTable(int capacity, int refusedBudget)
            : base(capacity, refusedBudget)
        {
            _addresses = new ulong[KeyCount(capacity, refusedBudget) * WordsPerFlow];

            // Read here so that the probe's one allocation happens when the module is built.
            _littleEndian = LittleEndian;
        }

        /// <summary>Copies the 16-byte local address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyLocalAddress(int i, byte[] destination, int offset)
        {
            int w = i * WordsPerFlow;
            WriteWord(_addresses[w], destination, offset, _littleEndian);
            WriteWord(_addresses[w + 1], destination, offset + 8, _littleEndian);
        }

        /// <summary>Copies the 16-byte remote address of flow <paramref name="i"/>, network order.</summary>
        internal void CopyRemoteAddress(int i, byte[] destination, int offset)
        {
            int w = i * WordsPerFlow;
            WriteWord(_addresses[w + 2], destination, offset, _littleEndian);
            WriteWord(_addresses[w + 3], destination, offset + 8, _littleEndian);
        }

        /// <summary>
        /// Hash of a flow key given as 32-bit address words, first byte in the most significant
        /// one (as a model computes it); direction is not part of the key. The table hashes the
        /// address as it reads it, which gives the same value.
        /// </summary>
        internal static uint Hash(
            TransportProtocol protocol,
            uint local0, uint local1, uint local2, uint local3, ushort localPort,
            uint remote0, uint remote1, uint remote2, uint remote3, ushort remotePort)
        {
            bool little = LittleEndian;
            return HashRead(
                protocol,
                AsRead(local0, local1, little), AsRead(local2, local3, little),
                AsRead(remote0, remote1, little), AsRead(remote2, remote3, little),
                Ports(localPort, remotePort));
        }

        /// <summary>
        /// Counts one packet; the 16-byte addresses are read at the offsets and copied, never kept.
        /// Returns false when the flow is not in the table and the table is full; the packet is
        /// then counted as dropped. The caller has checked the arrays.
        /// </summary>
        internal bool Record(FlowDirection direction, TransportProtocol protocol, byte[] localAddress, int localOffset, ushort localPort, byte[] remoteAddress, int remoteOffset, ushort remotePort, int bytes)
        {
            ulong localHigh = System.BitConverter.ToUInt64(localAddress, localOffset);
            ulong localLow = System.BitConverter.ToUInt64(localAddress, localOffset + 8);
            ulong remoteHigh = System.BitConverter.ToUInt64(remoteAddress, remoteOffset);
            ulong remoteLow = System.BitConverter.ToUInt64(remoteAddress, remoteOffset + 8);
            // Ports(localPort, remotePort), written out: on nanoCLR a call costs more.
            uint ports = ((uint)localPort << 16) | remotePort;
            uint hash = HashRead(protocol, localHigh, localLow, remoteHigh, remoteLow, ports);

            ulong[] addresses = _addresses;
            uint bucket = Bucket(hash);
            int i = First(bucket);
            while (i != End)
            {
                // Ports and the low (interface) halves differ most between flows, so comparing
                // them first rejects a chained neighbour soonest.
                int w = i * WordsPerFlow;
                if (HasEnds(i, protocol, ports)
                    && addresses[w + 3] == remoteLow
                    && addresses[w + 1] == localLow
                    && addresses[w + 2] == remoteHigh
                    && addresses[w] == localHigh)
                {
                    break;
                }

                i = Next(i);
            }

            if (i == End)
            {
                i = Claim(hash, bucket, direction, protocol, ports, bytes);
                if (i == End)
                {
                    return false;
                }

                int w = i * WordsPerFlow;
                addresses[w + 3] = remoteLow;
                addresses[w] = localHigh;
                addresses[w + 1] = localLow;
                addresses[w + 2] = remoteHigh;
                return IsStored(i);
            }

            return AddPacket(i, direction, bytes);
        }

        /// <summary>Hash of a key whose address halves are as <see cref="System.BitConverter"/> read them.</summary>
        private static uint HashRead(TransportProtocol protocol, ulong localHigh, ulong localLow, ulong remoteHigh, ulong remoteLow, uint ports)
        {
            ulong sum = (ulong)protocol
                + (localHigh * LocalHighFactor) + (localLow * LocalLowFactor)
                + (remoteHigh * RemoteHighFactor) + (remoteLow * RemoteLowFactor)
                + (ports * PortsFactor);
            return Finish((uint)sum ^ (uint)(sum >> 32));
        }

        /// <summary>
        /// Eight address bytes as BitConverter reads them, given as two words read first byte in
        /// the most significant one.
        /// </summary>
        private static ulong AsRead(uint first, uint second, bool littleEndian)
        {
            return littleEndian
                ? ((ulong)Reversed(second) << 32) | Reversed(first)
                : ((ulong)first << 32) | second;
        }

        private static uint Reversed(uint word)
        {
            return (word >> 24) | ((word >> 8) & 0xFF00) | ((word << 8) & 0xFF0000) | (word << 24);
        }

        /// <summary>Writes eight address bytes in network order, undoing the read.</summary>
        private static void WriteWord(ulong word, byte[] destination, int offset, bool littleEndian)
        {
            for (int k = 0; k < 8; k++)
            {
                int shift = littleEndian ? 8 * k : 56 - (8 * k);
                destination[offset + k] = (byte)(word >> shift);
            }
        }
    }
}
#endif
