#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv6 flows of one collection interval, in arrays sized once so that recording a packet
    /// allocates nothing. Flows are stored densely at indexes 0..<see cref="Count"/>-1 in the order
    /// they were first seen.
    /// </summary>
    /// <remarks>
    /// Not thread-safe: <see cref="Ipv6ConnectionCache"/> serializes <see cref="Record"/> under its
    /// lock while the table is recording, and only the collector touches it once swapped out.
    /// </remarks>
    internal sealed class Ipv6FlowTable
    {
        // An address is kept as four big-endian words at [4 * i .. 4 * i + 3]: comparing four
        // words is much cheaper than sixteen bytes on an interpreted runtime.
        private const int WordsPerAddress = 4;

        private readonly FlowIndex _index;
        private readonly uint[] _localAddresses;
        private readonly uint[] _remoteAddresses;
        private readonly ushort[] _localPorts;
        private readonly ushort[] _remotePorts;
        private readonly TransportProtocol[] _protocols;
        private readonly FlowDirection[] _directions;
        private readonly ulong[] _bytesIn;
        private readonly ulong[] _bytesOut;
        private readonly uint[] _hitCounts;
        private int _count;

        internal Ipv6FlowTable(int capacity)
        {
            _index = new FlowIndex(capacity);
            _localAddresses = new uint[capacity * WordsPerAddress];
            _remoteAddresses = new uint[capacity * WordsPerAddress];
            _localPorts = new ushort[capacity];
            _remotePorts = new ushort[capacity];
            _protocols = new TransportProtocol[capacity];
            _directions = new FlowDirection[capacity];
            _bytesIn = new ulong[capacity];
            _bytesOut = new ulong[capacity];
            _hitCounts = new uint[capacity];
        }

        /// <summary>Flows stored, at indexes 0..Count-1.</summary>
        internal int Count
        {
            get { return _count; }
        }

        /// <summary>New flows refused because the table was full while it was recording.</summary>
        /// <remarks>
        /// Refused flows cannot be stored, so they are told apart by a hash fingerprint: this is a
        /// lower bound, exact unless two refused flows share a fingerprint.
        /// </remarks>
        internal int DroppedFlows
        {
            get { return _index.DroppedFlows; }
        }

        /// <summary>Packets of the refused flows.</summary>
        internal long DroppedPackets
        {
            get { return _index.DroppedPackets; }
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

        /// <summary>Local port of flow <paramref name="i"/>.</summary>
        internal ushort LocalPort(int i)
        {
            return _localPorts[i];
        }

        /// <summary>Remote port of flow <paramref name="i"/>.</summary>
        internal ushort RemotePort(int i)
        {
            return _remotePorts[i];
        }

        /// <summary>Transport protocol of flow <paramref name="i"/>.</summary>
        internal TransportProtocol Protocol(int i)
        {
            return _protocols[i];
        }

        /// <summary>Direction of the first packet seen of flow <paramref name="i"/>.</summary>
        internal FlowDirection Direction(int i)
        {
            return _directions[i];
        }

        /// <summary>Bytes received in flow <paramref name="i"/>.</summary>
        internal ulong BytesIn(int i)
        {
            return _bytesIn[i];
        }

        /// <summary>Bytes sent in flow <paramref name="i"/>.</summary>
        internal ulong BytesOut(int i)
        {
            return _bytesOut[i];
        }

        /// <summary>Packets of flow <paramref name="i"/>, both directions, saturating at <see cref="uint.MaxValue"/>.</summary>
        internal uint HitCount(int i)
        {
            return _hitCounts[i];
        }

        /// <summary>Empties the table for its next interval of recording.</summary>
        internal void Clear()
        {
            _index.Clear(_count != 0);
            _count = 0;
        }

        /// <summary>Hash of a flow key given as address words; direction is not part of the key.</summary>
        internal static uint Hash(
            TransportProtocol protocol,
            uint local0, uint local1, uint local2, uint local3, ushort localPort,
            uint remote0, uint remote1, uint remote2, uint remote3, ushort remotePort)
        {
            uint hash = FlowIndex.Mix((uint)protocol, local0);
            hash = FlowIndex.Mix(hash, local1);
            hash = FlowIndex.Mix(hash, local2);
            hash = FlowIndex.Mix(hash, local3);
            hash = FlowIndex.Mix(hash, remote0);
            hash = FlowIndex.Mix(hash, remote1);
            hash = FlowIndex.Mix(hash, remote2);
            hash = FlowIndex.Mix(hash, remote3);
            hash = FlowIndex.Mix(hash, ((uint)localPort << 16) | remotePort);
            return FlowIndex.Finish(hash);
        }

        /// <summary>
        /// Counts one packet; the 16-byte addresses are read at the offsets and copied, never kept.
        /// Returns false when the flow is new and the table is full; the packet is then counted as
        /// dropped. The caller has checked the arrays.
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

            // Looking up before claiming a slot lets known flows keep counting once the table is
            // full; ThreadX claimed first and so lost them.
            int i = _index.First(hash);
            while (i != FlowIndex.End)
            {
                // Ports and the low (interface) address words differ most between flows, so
                // comparing them first rejects a chained neighbour soonest.
                int w = i * WordsPerAddress;
                if (_localPorts[i] == localPort
                    && _remotePorts[i] == remotePort
                    && _protocols[i] == protocol
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

                i = _index.Next(i);
            }

            if (i == FlowIndex.End)
            {
                if (_count == _hitCounts.Length)
                {
                    _index.Refuse(hash);
                    return false;
                }

                i = _count++;
                int w = i * WordsPerAddress;
                _localAddresses[w] = local0;
                _localAddresses[w + 1] = local1;
                _localAddresses[w + 2] = local2;
                _localAddresses[w + 3] = local3;
                _remoteAddresses[w] = remote0;
                _remoteAddresses[w + 1] = remote1;
                _remoteAddresses[w + 2] = remote2;
                _remoteAddresses[w + 3] = remote3;
                _localPorts[i] = localPort;
                _remotePorts[i] = remotePort;
                _protocols[i] = protocol;
                _directions[i] = direction;
                _bytesIn[i] = 0;
                _bytesOut[i] = 0;
                _hitCounts[i] = 0;
                _index.Link(i, hash);
            }

            if (direction == FlowDirection.In)
            {
                _bytesIn[i] += (ulong)bytes;
            }
            else
            {
                _bytesOut[i] += (ulong)bytes;
            }

            if (_hitCounts[i] != uint.MaxValue)
            {
                _hitCounts[i]++;
            }

            return true;
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
