#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The part of a flow table that does not depend on the address family: ports, protocol,
    /// direction and counters in parallel arrays, the hash chains that find a flow in O(1), and
    /// the accounting of flows refused because the table was full. Flows are stored densely at
    /// indexes 0..<see cref="Count"/>-1 in the order they were first seen.
    /// </summary>
    /// <remarks>
    /// The keys of refused flows are kept too, up to a fixed budget, at the indexes after the
    /// capacity and on the same hash chains: one lookup tells a known flow, a refused one already
    /// counted and a new one apart, so distinct refused flows are counted exactly up to the
    /// budget. Beyond it they are told apart by one bit per hash fingerprint, which makes
    /// <see cref="DroppedFlows"/> a lower bound (<see cref="DroppedFlowsIsLowerBound"/>).
    /// </remarks>
    /// <remarks>
    /// Everything is an array sized once, and chains are indexes rather than objects, so that
    /// recording allocates nothing. Not thread-safe: the owning cache serializes recording under
    /// its lock, and only the collector touches a table once it is swapped out.
    /// </remarks>
    internal abstract class FlowTable
    {
        /// <summary>Ends a chain; also marks an empty bucket.</summary>
        private protected const int End = -1;

        private readonly int _capacity;
        private readonly int _refusedBudget;
        private readonly int[] _heads;
        private readonly int[] _next;

        // Refused flows past the budget: flows that share a fingerprint bit count once. 32 bits
        // per bucket of the capacity keep collisions rare for the cost of one int per bucket.
        private readonly int[] _refused;
        // Both ports of a key in one word, the local one in the high half: one load and one
        // compare per lookup.
        private readonly uint[] _ports;
        private readonly TransportProtocol[] _protocols;
        private readonly FlowDirection[] _directions;
        private readonly ulong[] _bytesIn;
        private readonly ulong[] _bytesOut;
        private readonly uint[] _hitCounts;
        private int _count;
        private int _refusedKept;
        private bool _beyondBudget;
        private int _droppedFlows;
        private long _droppedPackets;

        private protected FlowTable(int capacity, int refusedBudget)
        {
            if (capacity < 0 || refusedBudget < 0)
            {
                throw new System.ArgumentOutOfRangeException();
            }

            int keys = capacity + refusedBudget;
            _capacity = capacity;
            _refusedBudget = refusedBudget;
            _heads = new int[BucketCount(keys)];
            _next = new int[keys];
            _refused = new int[BucketCount(capacity)];
            _ports = new uint[keys];
            _protocols = new TransportProtocol[keys];
            _directions = new FlowDirection[capacity];
            _bytesIn = new ulong[capacity];
            _bytesOut = new ulong[capacity];
            _hitCounts = new uint[capacity];
            ResetHeads();
        }

        /// <summary>Flows stored, at indexes 0..Count-1.</summary>
        internal int Count => _count;

        /// <summary>True when a new flow would be refused.</summary>
        internal bool IsFull => _count == _capacity;

        /// <summary>
        /// Distinct new flows refused because the table was full while it was recording: exact
        /// up to the refused-flow budget, a lower bound beyond it (see above).
        /// </summary>
        internal int DroppedFlows => _droppedFlows;

        /// <summary>True when more distinct flows were refused than the budget keeps: <see cref="DroppedFlows"/> is then a lower bound.</summary>
        internal bool DroppedFlowsIsLowerBound => _beyondBudget;

        /// <summary>Packets of the refused flows.</summary>
        internal long DroppedPackets => _droppedPackets;

        /// <summary>Local port of flow <paramref name="i"/>.</summary>
        internal ushort LocalPort(int i) => (ushort)(_ports[i] >> 16);

        /// <summary>Remote port of flow <paramref name="i"/>.</summary>
        internal ushort RemotePort(int i) => (ushort)_ports[i];

        /// <summary>Transport protocol of flow <paramref name="i"/>.</summary>
        internal TransportProtocol Protocol(int i) => _protocols[i];

        /// <summary>Direction of the first packet seen of flow <paramref name="i"/>.</summary>
        internal FlowDirection Direction(int i) => _directions[i];

        /// <summary>Bytes received in flow <paramref name="i"/>.</summary>
        internal ulong BytesIn(int i) => _bytesIn[i];

        /// <summary>Bytes sent in flow <paramref name="i"/>.</summary>
        internal ulong BytesOut(int i) => _bytesOut[i];

        /// <summary>Packets of flow <paramref name="i"/>, both directions, saturating at <see cref="uint.MaxValue"/>.</summary>
        internal uint HitCount(int i) => _hitCounts[i];

        /// <summary>
        /// Bucket count for a capacity: about 10/7 of it, as ThreadX sizes its flow hash, so that
        /// a full table keeps chains short.
        /// </summary>
        internal static int BucketCount(int capacity)
        {
            return (int)((long)capacity * 10 / 7) + 1;
        }

        /// <summary>Keys a table stores: its flows, then the refused flows it keeps.</summary>
        internal static int KeyCount(int capacity, int refusedBudget)
        {
            return capacity + refusedBudget;
        }

        /// <summary>Bit of the refused-flow fingerprint map that a flow hash sets (the map has <see cref="BucketCount"/> of the capacity words).</summary>
        internal static uint FingerprintSlot(uint hash, int bucketCount)
        {
            return hash % ((uint)bucketCount * 32);
        }

        /// <summary>
        /// Spreads every input bit over the whole hash (MurmurHash3 finalizer), so that taking it
        /// modulo the bucket count uses all of the key.
        /// </summary>
        /// <remarks>
        /// The families hash a key as the sum of its words times odd multipliers, one per word,
        /// then spread it with this. Keys that differ in one word never sum the same (an odd
        /// multiplier is invertible modulo the word size; IPv6 then folds its 64-bit sum to 32
        /// bits), and the multiplies do not depend on
        /// each other: they overlap on a CPU, and on nanoCLR each is one IL instruction where
        /// the MurmurHash3 round per word used before was a call of about twenty.
        /// </remarks>
        internal static uint Finish(uint hash)
        {
            hash ^= hash >> 16;
            hash *= 0x85EBCA6B;
            hash ^= hash >> 13;
            hash *= 0xC2B2AE35;
            hash ^= hash >> 16;
            return hash;
        }

        /// <summary>Empties the table for its next interval of recording.</summary>
        internal void Clear()
        {
            // Work is skipped for the parts already empty, so clearing a clear table costs two tests.
            if (_count != 0 || _droppedPackets != 0)
            {
                ResetHeads();
                _count = 0;
            }

            if (_droppedPackets != 0)
            {
                if (_beyondBudget)
                {
                    System.Array.Clear(_refused, 0, _refused.Length);
                    _beyondBudget = false;
                }

                _refusedKept = 0;
                _droppedFlows = 0;
                _droppedPackets = 0;
            }
        }

        /// <summary>Bucket of a finished hash: computed once per packet, as it costs a division.</summary>
        private protected uint Bucket(uint hash)
        {
            return hash % (uint)_heads.Length;
        }

        /// <summary>First flow of the chain of a <see cref="Bucket"/>, or <see cref="End"/>.</summary>
        private protected int First(uint bucket)
        {
            return _heads[bucket];
        }

        /// <summary>Flow after <paramref name="i"/> in its chain, or <see cref="End"/>.</summary>
        private protected int Next(int i)
        {
            return _next[i];
        }

        /// <summary>Both ports as one key word, the way the table stores them.</summary>
        internal static uint Ports(ushort localPort, ushort remotePort)
        {
            return ((uint)localPort << 16) | remotePort;
        }

        /// <summary>True when flow <paramref name="i"/> has these <see cref="Ports"/> and protocol (the family's addresses are compared by the caller).</summary>
        private protected bool HasEnds(int i, TransportProtocol protocol, uint ports)
        {
            return _ports[i] == ports && _protocols[i] == protocol;
        }

        /// <summary>
        /// Stores a new flow's key, chains it in its bucket and counts its first packet; the
        /// caller then stores its addresses. Returns the flow's index. When the table is full the
        /// key goes to the refused flows kept (counted once, its packet as dropped), or, past the
        /// budget, its packet is counted as dropped here and <see cref="End"/> returned; either
        /// way <see cref="IsStored"/> is then false.
        /// </summary>
        /// <remarks>
        /// Callers look the flow up before claiming, so known flows keep counting once the table
        /// is full; ThreadX claimed first and so lost them.
        /// </remarks>
        private protected int Claim(uint hash, uint bucket, FlowDirection direction, TransportProtocol protocol, uint ports, int bytes)
        {
            int i = _count;
            if (i != _capacity)
            {
                // The totals start at this packet: no zeroing first, no read back.
                _count = i + 1;
                _directions[i] = direction;
                if (direction == FlowDirection.In)
                {
                    _bytesIn[i] = (ulong)bytes;
                    _bytesOut[i] = 0;
                }
                else
                {
                    _bytesIn[i] = 0;
                    _bytesOut[i] = (ulong)bytes;
                }

                _hitCounts[i] = 1;
            }
            else if (_refusedKept != _refusedBudget)
            {
                i += _refusedKept++;
                _droppedFlows++;
                _droppedPackets++;
            }
            else
            {
                RefuseBeyondBudget(hash);
                return End;
            }

            _ports[i] = ports;
            _protocols[i] = protocol;
            _next[i] = _heads[bucket];
            _heads[bucket] = i;
            return i;
        }

        /// <summary>True when flow <paramref name="i"/> is counted, false for a refused flow kept or <see cref="End"/>.</summary>
        private protected bool IsStored(int i)
        {
            return (uint)i < (uint)_capacity;
        }

        /// <summary>
        /// Counts one packet of the flow at <paramref name="i"/>: into its totals, or as dropped
        /// when it is a refused flow. Returns false for a refused flow.
        /// </summary>
        private protected bool AddPacket(int i, FlowDirection direction, int bytes)
        {
            if (i >= _capacity)
            {
                _droppedPackets++;
                return false;
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

        private void RefuseBeyondBudget(uint hash)
        {
            _droppedPackets++;
            _beyondBudget = true;
            uint slot = FingerprintSlot(hash, _refused.Length);
            int word = (int)(slot >> 5);
            int bit = 1 << (int)(slot & 31);
            if ((_refused[word] & bit) == 0)
            {
                _refused[word] |= bit;
                _droppedFlows++;
            }
        }

        private void ResetHeads()
        {
            for (int i = 0; i < _heads.Length; i++)
            {
                _heads[i] = End;
            }
        }
    }
}
#endif
