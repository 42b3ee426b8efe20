#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// One event per detection key (rule and remote address) per interval: a fixed table of the
    /// keys sent recently, with when each was sent and how many repeats were held back since,
    /// which the next event of that key carries. When the table is full the key sent longest
    /// ago gives way (it may then be sent again within its interval).
    /// </summary>
    internal sealed class DetectionRateLimiter
    {
        private readonly Detection[] _keys;
        private readonly long[] _sentAt;
        private int _count;

        internal DetectionRateLimiter(int capacity)
        {
            _keys = new Detection[capacity];
            _sentAt = new long[capacity];
            for (int i = 0; i < capacity; i++)
            {
                _keys[i] = new Detection();
            }
        }

        /// <summary>Milliseconds between two events of one key.</summary>
        internal long IntervalMilliseconds { get; set; } = AscPortConfig.DetectionsRateLimitInterval * 1000L;

        /// <summary>
        /// Decides whether <paramref name="detection"/> is sent now. When it is, its
        /// <see cref="Detection.Suppressed"/> holds the repeats held back since the last event of
        /// its key (added to Count for counted kinds); when not, they grow by its Count.
        /// </summary>
        internal bool TrySend(Detection detection, long now)
        {
            int slot = Find(detection);
            if (slot >= 0 && now - _sentAt[slot] < IntervalMilliseconds)
            {
                _keys[slot].Suppressed += DetectionQueue.IsCounted(detection.Kind) ? detection.Count : 1;
                return false;
            }

            if (slot < 0)
            {
                slot = _count < _keys.Length ? _count++ : Oldest();
                _keys[slot].CopyFrom(detection);
                _keys[slot].Suppressed = 0;
            }

            detection.Suppressed = _keys[slot].Suppressed;
            if (DetectionQueue.IsCounted(detection.Kind))
            {
                detection.Count += detection.Suppressed;
            }

            _keys[slot].Suppressed = 0;
            _sentAt[slot] = now;
            return true;
        }

        private int Find(Detection detection)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_keys[i].SameKey(detection))
                {
                    return i;
                }
            }

            return -1;
        }

        private int Oldest()
        {
            int oldest = 0;
            for (int i = 1; i < _count; i++)
            {
                if (_sentAt[i] < _sentAt[oldest])
                {
                    oldest = i;
                }
            }

            return oldest;
        }
    }
}
#endif
