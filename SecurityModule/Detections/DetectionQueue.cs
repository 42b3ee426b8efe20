#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Detections raised since the engine last wrote them: a fixed array, where a detection
    /// whose key is already waiting adds to that entry instead of taking a new one. Past the
    /// capacity new keys are counted as lost. Not thread-safe: the detector locks.
    /// </summary>
    internal sealed class DetectionQueue
    {
        private readonly Detection[] _entries;
        private int _count;

        internal DetectionQueue(int capacity)
        {
            _entries = new Detection[capacity];
            for (int i = 0; i < capacity; i++)
            {
                _entries[i] = new Detection();
            }
        }

        internal int Count => _count;

        /// <summary>Detections refused because the queue was full, since the module started.</summary>
        internal int Lost { get; private set; }

        internal Detection this[int index] => _entries[index];

        /// <summary>
        /// Queues a copy of <paramref name="detection"/>. A waiting entry of the same key adds its
        /// Count (address rules: one more flow) or takes the newer measure (scans, connection counts).
        /// </summary>
        internal void Add(Detection detection)
        {
            for (int i = 0; i < _count; i++)
            {
                Detection waiting = _entries[i];
                if (waiting.SameKey(detection))
                {
                    if (IsCounted(detection.Kind))
                    {
                        waiting.Count += detection.Count;
                    }
                    else
                    {
                        waiting.Count = detection.Count;
                    }

                    return;
                }
            }

            if (_count == _entries.Length)
            {
                Lost++;
                return;
            }

            _entries[_count++].CopyFrom(detection);
        }

        internal void Clear()
        {
            for (int i = 0; i < _count; i++)
            {
                _entries[i].Rule = null;
            }

            _count = 0;
        }

        /// <summary>True for detections whose Count adds up occurrences rather than measuring.</summary>
        internal static bool IsCounted(int kind)
        {
            return kind == DetectionKind.DeniedRemoteAddress || kind == DetectionKind.NotAllowedRemoteAddress
                || kind == DetectionKind.UnexpectedListeningPort;
        }
    }
}
#endif
