#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The IPv4 flows of one collection interval, in arrays sized once so that recording a packet
    /// allocates nothing. Flows are stored densely at indexes 0..<see cref="Count"/>-1 in the order
    /// they were first seen.
    /// </summary>
    /// <remarks>
    /// Not thread-safe: <see cref="Ipv4ConnectionCache"/> serializes <see cref="Record"/> under its
    /// lock while the table is recording, and only the collector touches it once swapped out.
    /// </remarks>
    internal sealed class Ipv4FlowTable
    {
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

        internal Ipv4FlowTable(int capacity)
        {
            _index = new FlowIndex(capacity);
            _localAddresses = new uint[capacity];
            _remoteAddresses = new uint[capacity];
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

        /// <summary>Local address of flow <paramref name="i"/>, first octet in the most significant byte.</summary>
        internal uint LocalAddress(int i)
        {
            return _localAddresses[i];
        }

        /// <summary>Remote address of flow <paramref name="i"/>, first octet in the most significant byte.</summary>
        internal uint RemoteAddress(int i)
        {
            return _remoteAddresses[i];
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

        /// <summary>Hash of a flow key; direction is not part of the key.</summary>
        internal static uint Hash(TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort)
        {
            uint hash = FlowIndex.Mix((uint)protocol, localAddress);
            hash = FlowIndex.Mix(hash, remoteAddress);
            hash = FlowIndex.Mix(hash, ((uint)localPort << 16) | remotePort);
            return FlowIndex.Finish(hash);
        }

        /// <summary>
        /// Counts one packet. Returns false when the flow is new and the table is full; the packet
        /// is then counted as dropped.
        /// </summary>
        internal bool Record(FlowDirection direction, TransportProtocol protocol, uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, int bytes)
        {
            uint hash = Hash(protocol, localAddress, localPort, remoteAddress, remotePort);

            // Looking up before claiming a slot lets known flows keep counting once the table is
            // full; ThreadX claimed first and so lost them.
            int i = _index.First(hash);
            while (i != FlowIndex.End
                && (_localAddresses[i] != localAddress
                    || _remoteAddresses[i] != remoteAddress
                    || _localPorts[i] != localPort
                    || _remotePorts[i] != remotePort
                    || _protocols[i] != protocol))
            {
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
                _localAddresses[i] = localAddress;
                _remoteAddresses[i] = remoteAddress;
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
    }
}
#endif
