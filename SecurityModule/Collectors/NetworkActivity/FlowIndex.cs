#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The part of a flow table that does not depend on the address family: the hash chains that
    /// find a flow in O(1) and the accounting of flows refused because the table was full.
    /// </summary>
    /// <remarks>
    /// Chains are indexes into the table's parallel arrays rather than objects, so that recording
    /// allocates nothing and the whole table is a handful of arrays sized once.
    /// </remarks>
    internal sealed class FlowIndex
    {
        /// <summary>Ends a chain; also marks an empty bucket.</summary>
        internal const int End = -1;

        private readonly int[] _heads;
        private readonly int[] _next;

        // A refused flow cannot be stored (the table is full), so distinct refused flows are told
        // apart by one bit per hash fingerprint: flows that share a bit count once, which makes
        // DroppedFlows a lower bound, exact unless fingerprints collide. 32 bits per bucket keeps
        // collisions rare for the cost of one more int per bucket.
        private readonly int[] _refused;
        private int _droppedFlows;
        private long _droppedPackets;

        internal FlowIndex(int capacity)
        {
            int buckets = BucketCount(capacity);
            _heads = new int[buckets];
            _next = new int[capacity];
            _refused = new int[buckets];
            ResetHeads();
        }

        internal int DroppedFlows
        {
            get { return _droppedFlows; }
        }

        internal long DroppedPackets
        {
            get { return _droppedPackets; }
        }

        /// <summary>
        /// Bucket count for a capacity: about 10/7 of it, as ThreadX sizes its flow hash, so that
        /// a full table keeps chains short.
        /// </summary>
        internal static int BucketCount(int capacity)
        {
            return (int)((long)capacity * 10 / 7) + 1;
        }

        /// <summary>Bit of the refused-flow fingerprint map that a flow hash sets.</summary>
        internal static uint FingerprintSlot(uint hash, int bucketCount)
        {
            return hash % ((uint)bucketCount * 32);
        }

        /// <summary>Folds one key word into a hash (the MurmurHash3 32-bit round).</summary>
        internal static uint Mix(uint hash, uint value)
        {
            value *= 0xCC9E2D51;
            value = (value << 15) | (value >> 17);
            value *= 0x1B873593;
            hash ^= value;
            hash = (hash << 13) | (hash >> 19);
            return hash * 5 + 0xE6546B64;
        }

        /// <summary>
        /// Spreads every input bit over the whole hash (MurmurHash3 finalizer), so that taking it
        /// modulo the bucket count uses all of the key.
        /// </summary>
        internal static uint Finish(uint hash)
        {
            hash ^= hash >> 16;
            hash *= 0x85EBCA6B;
            hash ^= hash >> 13;
            hash *= 0xC2B2AE35;
            hash ^= hash >> 16;
            return hash;
        }

        /// <summary>First entry of the chain for a finished hash, or <see cref="End"/>.</summary>
        internal int First(uint hash)
        {
            return _heads[hash % (uint)_heads.Length];
        }

        /// <summary>Entry after <paramref name="entry"/> in its chain, or <see cref="End"/>.</summary>
        internal int Next(int entry)
        {
            return _next[entry];
        }

        /// <summary>Chains a newly stored entry under its finished hash.</summary>
        internal void Link(int entry, uint hash)
        {
            uint bucket = hash % (uint)_heads.Length;
            _next[entry] = _heads[bucket];
            _heads[bucket] = entry;
        }

        /// <summary>Counts a packet of a flow that was refused because the table is full.</summary>
        internal void Refuse(uint hash)
        {
            _droppedPackets++;
            uint slot = FingerprintSlot(hash, _heads.Length);
            int word = (int)(slot >> 5);
            int bit = 1 << (int)(slot & 31);
            if ((_refused[word] & bit) == 0)
            {
                _refused[word] |= bit;
                _droppedFlows++;
            }
        }

        /// <summary>
        /// Forgets every chain and drop. Work is skipped for the parts that are already empty, so
        /// clearing an already clear index costs two tests.
        /// </summary>
        internal void Clear(bool hasEntries)
        {
            if (hasEntries)
            {
                ResetHeads();
            }

            if (_droppedPackets != 0)
            {
                System.Array.Clear(_refused, 0, _refused.Length);
                _droppedFlows = 0;
                _droppedPackets = 0;
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
