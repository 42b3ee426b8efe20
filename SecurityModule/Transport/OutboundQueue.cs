using System;

namespace NanoSecurity
{
    /// <summary>
    /// The offline cache (<c>ASC_LOCAL_CACHE_SIZE</c>): serialized security messages wait here,
    /// oldest first, until IoT Hub acknowledges them. When a new message does not fit, the oldest
    /// ones are dropped, and every drop is counted.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Memory is fixed at construction: a byte ring of the capacity and a ring of per-message
    /// records (offset, length, High and Low event counts), one per
    /// <see cref="MinimumMessageSize"/> bytes of capacity. A message is stored in one piece: when
    /// it does not fit between the newest message and the end of the ring, that tail stays unused
    /// and the message goes to offset 0. Sequence numbers are not stored: the oldest message's is
    /// kept and the others follow it by one.
    /// </para>
    /// <para>
    /// One producer (the collector thread, <see cref="TryAccept(byte[], int, int, int)"/>) and one
    /// consumer (the session thread, <see cref="CopyOldest(byte[], int, int, out uint)"/> and <see cref="RemoveIfOldest"/>) run
    /// concurrently; every call takes the one lock for a copy of at most one message, and none
    /// allocates.
    /// </para>
    /// <para>
    /// The consumer gets a copy, not a view: the producer may drop the oldest message and write a
    /// new one over its bytes at any moment, so bytes read outside the lock could be torn while
    /// being published. The session copies into its own buffer, which it needs anyway to resend
    /// after a reconnect, and removes the message with <see cref="RemoveIfOldest"/> when the
    /// PUBACK arrives. A message dropped between the copy and the PUBACK was already counted as
    /// dropped; the hub may still have it. That only happens when the cache fills within one round
    /// trip, that is when the link is already losing data.
    /// </para>
    /// </remarks>
    internal sealed class OutboundQueue : IEventCountingSink
    {
        /// <summary>
        /// Smallest message the record ring is sized for; the smallest the writer produces (one
        /// empty heartbeat event with its envelope) is over 300 bytes. Many smaller messages only
        /// run out of records early, which drops the oldest like running out of bytes does.
        /// </summary>
        internal const int MinimumMessageSize = 128;

        private readonly object _lock = new object();
        private readonly EventStatistics _events;
        private readonly MessageStatistics _messages;
        private readonly byte[] _ring;
        private readonly int[] _offsets;
        private readonly int[] _lengths;
        private readonly int[] _highEvents;
        private readonly int[] _lowEvents;

        // _first is the oldest message's record; _count records follow it (modulo their number).
        // _end is where the newest message ends. With messages of at least one byte, the stored
        // bytes are [oldest offset, _end) when _end is past the oldest offset, and otherwise
        // [oldest offset, unused tail) followed by [0, _end): then _end equal to the oldest offset
        // means full.
        private int _first;
        private int _count;
        private int _end;
        private int _usedBytes;
        private int _budget;
        private uint _oldestSequence;

        /// <summary>Allocates the cache.</summary>
        /// <param name="capacityBytes">Bytes of messages it holds; also the largest message it takes.</param>
        /// <param name="events">Where the events of dropped messages are counted.</param>
        /// <param name="messages">Where dropped messages are counted as failed.</param>
        internal OutboundQueue(int capacityBytes, EventStatistics events, MessageStatistics messages)
        {
            if (capacityBytes < 1)
            {
                throw new ArgumentOutOfRangeException();
            }

            if (events == null || messages == null)
            {
                throw new ArgumentNullException();
            }

            _events = events;
            _messages = messages;
            _ring = new byte[capacityBytes];
            _budget = capacityBytes;
            int records = capacityBytes / MinimumMessageSize;
            if (records < 1)
            {
                records = 1;
            }

            _offsets = new int[records];
            _lengths = new int[records];
            _highEvents = new int[records];
            _lowEvents = new int[records];
        }

        /// <summary>Bytes of the ring: the most a single message may have.</summary>
        internal int Capacity
        {
            get { return _ring.Length; }
        }

        /// <summary>
        /// Bytes the cached messages may take, at most <see cref="Capacity"/> (the twin's
        /// <c>maxLocalCacheSizeInBytes</c> can lower it, never raise it). Lowering it drops the
        /// oldest messages that no longer fit, counted as any other drop.
        /// </summary>
        internal int Budget
        {
            get
            {
                lock (_lock)
                {
                    return _budget;
                }
            }

            set
            {
                lock (_lock)
                {
                    _budget = value < 1 ? 1 : value > _ring.Length ? _ring.Length : value;
                    while (_usedBytes > _budget)
                    {
                        DropOldest();
                    }
                }
            }
        }

        /// <summary>Messages waiting.</summary>
        internal int Count
        {
            get
            {
                lock (_lock)
                {
                    return _count;
                }
            }
        }

        /// <summary>Bytes of the messages waiting (the unused tail before a wrap not included).</summary>
        internal int UsedBytes
        {
            get
            {
                lock (_lock)
                {
                    return _usedBytes;
                }
            }
        }

        /// <summary>Takes a message whose events are not counted per queue (counts 0 and 0).</summary>
        /// <param name="body">Buffer holding the message, copied.</param>
        /// <param name="length">Bytes of the message, from index 0.</param>
        /// <returns>False when the message is larger than the whole cache.</returns>
        public bool TryAccept(byte[] body, int length)
        {
            return TryAccept(body, length, 0, 0);
        }

        /// <summary>
        /// Copies a message in as the newest, dropping the oldest messages until it fits; each
        /// dropped message counts its events as dropped and itself as failed.
        /// </summary>
        /// <param name="body">Buffer holding the message, copied.</param>
        /// <param name="length">Bytes of the message, from index 0; at least 1.</param>
        /// <param name="highEvents">Events of the High queue in it.</param>
        /// <param name="lowEvents">Events of the Low queue in it.</param>
        /// <returns>False when the message is larger than the whole cache (its <see cref="Budget"/>): nothing is dropped, the caller counts it.</returns>
        public bool TryAccept(byte[] body, int length, int highEvents, int lowEvents)
        {
            if (body == null)
            {
                throw new ArgumentNullException();
            }

            if (length < 1 || length > body.Length || highEvents < 0 || lowEvents < 0)
            {
                throw new ArgumentOutOfRangeException();
            }

            lock (_lock)
            {
                if (length > _budget)
                {
                    return false;
                }

                int offset = FindRoom(length);
                while (offset < 0 || _usedBytes + length > _budget)
                {
                    DropOldest();
                    offset = FindRoom(length);
                }

                Array.Copy(body, 0, _ring, offset, length);
                int record = (_first + _count) % _offsets.Length;
                _offsets[record] = offset;
                _lengths[record] = length;
                _highEvents[record] = highEvents;
                _lowEvents[record] = lowEvents;
                _count++;
                _end = offset + length;
                _usedBytes += length;
                return true;
            }
        }

        /// <summary>Copies the oldest message to <paramref name="offset"/>, leaving it in the cache.</summary>
        /// <param name="destination">Receives the message.</param>
        /// <param name="offset">Where it goes.</param>
        /// <param name="capacity">Bytes available from <paramref name="offset"/>: at least the largest message sent.</param>
        /// <param name="sequence">Identifies the message for <see cref="RemoveIfOldest"/>; 0 when the cache is empty.</param>
        /// <returns>Bytes copied; 0 when the cache is empty.</returns>
        /// <exception cref="ArgumentException">The oldest message is larger than <paramref name="capacity"/>.</exception>
        internal int CopyOldest(byte[] destination, int offset, int capacity, out uint sequence)
        {
            if (destination == null)
            {
                throw new ArgumentNullException();
            }

            if (offset < 0 || capacity < 0 || offset > destination.Length - capacity)
            {
                throw new ArgumentOutOfRangeException();
            }

            lock (_lock)
            {
                if (_count == 0)
                {
                    sequence = 0;
                    return 0;
                }

                int length = _lengths[_first];
                if (length > capacity)
                {
                    throw new ArgumentException("the oldest message is larger than the room given");
                }

                Array.Copy(_ring, _offsets[_first], destination, offset, length);
                sequence = _oldestSequence;
                return length;
            }
        }

        /// <summary>
        /// Removes the oldest message once it is delivered, if it is still the one copied: it may
        /// have been dropped since to make room, and then nothing is removed.
        /// </summary>
        /// <param name="sequence">What <see cref="CopyOldest(byte[], int, int, out uint)"/> gave for it.</param>
        /// <returns>True when it was removed; false when it was no longer in the cache.</returns>
        internal bool RemoveIfOldest(uint sequence)
        {
            lock (_lock)
            {
                if (_count == 0 || sequence != _oldestSequence)
                {
                    return false;
                }

                RemoveOldest();
                return true;
            }
        }

        /// <summary>Where a message of <paramref name="length"/> bytes fits now, or -1. Under the lock.</summary>
        private int FindRoom(int length)
        {
            if (_count == 0)
            {
                return 0;
            }

            if (_count == _offsets.Length)
            {
                return -1;
            }

            int oldest = _offsets[_first];
            if (_end > oldest)
            {
                if (_ring.Length - _end >= length)
                {
                    return _end;
                }

                // Wrap: the tail after _end stays unused until the ring empties past it.
                return oldest >= length ? 0 : -1;
            }

            return oldest - _end >= length ? _end : -1;
        }

        /// <summary>Drops the oldest message for room, counting the loss. Under the lock.</summary>
        private void DropOldest()
        {
            // Lock order is always this queue, then the statistics: they never call back.
            _events.AddDropped(EventQueue.High, _highEvents[_first]);
            _events.AddDropped(EventQueue.Low, _lowEvents[_first]);
            _messages.AddFailed();
            RemoveOldest();
        }

        private void RemoveOldest()
        {
            _usedBytes -= _lengths[_first];
            _first = (_first + 1) % _offsets.Length;
            _count--;
            _oldestSequence++;
            if (_count == 0)
            {
                // Empty: restart at offset 0, where the largest message fits.
                _end = 0;
            }
        }
    }
}
