namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// A peer scripted byte by byte. The test (or <see cref="Responder"/>) queues what the
    /// "server" sends; every Write is kept as one packet with the clock time it was written.
    /// </summary>
    /// <remarks>
    /// Time is virtual: a Read that finds nothing moves <see cref="Clock"/> on by its whole
    /// timeout (after a 1 ms real pause, so other threads run), which makes the client's
    /// deadlines exact and the tests fast. Read and Write allocate nothing unless a
    /// responder is set, so the allocation tests can read the reader thread's counter here.
    /// </remarks>
    internal sealed class ScriptedChannel : INetworkChannel
    {
        private const int Capacity = 1 << 20;
        private const int MaxWrites = 1 << 17;
        private const int MaxReads = 1 << 16;

        private readonly object _gate = new object();
        private readonly byte[] _incoming = new byte[Capacity];
        private readonly byte[] _outgoing = new byte[Capacity];
        private readonly int[] _writeOffsets = new int[MaxWrites + 1];
        private readonly long[] _writeTimes = new long[MaxWrites];
        private readonly long[] _readAllocations = new long[MaxReads];
        private int _incomingStart;
        private int _incomingEnd;
        private int _writes;
        private int _reads;
        private bool _closed;
        private bool _peerClosed;
        private int _writersInside;
        private int _overlappingWrites;

        internal ScriptedChannel(FakeMonotonicClock clock)
        {
            Clock = clock;
        }

        internal FakeMonotonicClock Clock { get; }

        /// <summary>Most bytes one Read returns, to split packets across reads.</summary>
        internal int ChunkSize { get; set; } = int.MaxValue;

        /// <summary>Called with each written packet; what it returns (if not null) is queued as the reply.</summary>
        internal Func<byte[], byte[]> Responder { get; set; }

        /// <summary>Runs on the reading thread after a Read that found nothing has moved the clock on.</summary>
        internal Action IdleRead { get; set; }

        /// <summary>Thrown by the next Connect, when set.</summary>
        internal Exception ConnectFailure { get; set; }

        /// <summary>Thrown by every Write, when set.</summary>
        internal Exception WriteFailure { get; set; }

        internal int Connects { get; private set; }

        /// <summary>Writes that began while another was still inside Write.</summary>
        internal int OverlappingWrites => Volatile.Read(ref _overlappingWrites);

        internal bool IsClosed
        {
            get
            {
                lock (_gate)
                {
                    return _closed;
                }
            }
        }

        /// <summary>Bytes queued and not read yet.</summary>
        internal int Pending
        {
            get
            {
                lock (_gate)
                {
                    return _incomingEnd - _incomingStart;
                }
            }
        }

        internal int ReadCount
        {
            get
            {
                lock (_gate)
                {
                    return _reads;
                }
            }
        }

        /// <summary>The reading thread's allocated-bytes counter when Read number <paramref name="read"/> began.</summary>
        internal long AllocatedAtRead(int read)
        {
            lock (_gate)
            {
                return _readAllocations[read];
            }
        }

        /// <summary>Queues bytes for the client to read.</summary>
        internal void Enqueue(params byte[] bytes)
        {
            lock (_gate)
            {
                Array.Copy(bytes, 0, _incoming, _incomingEnd, bytes.Length);
                _incomingEnd += bytes.Length;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>The server hangs up: reads fail once the queued bytes are read.</summary>
        internal void ClosePeer()
        {
            lock (_gate)
            {
                _peerClosed = true;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Every packet written so far, with the clock time of its write.</summary>
        internal List<(long Time, byte[] Bytes)> Written()
        {
            lock (_gate)
            {
                var packets = new List<(long, byte[])>();
                for (int i = 0; i < _writes; i++)
                {
                    packets.Add((_writeTimes[i], _outgoing.AsSpan(_writeOffsets[i], _writeOffsets[i + 1] - _writeOffsets[i]).ToArray()));
                }

                return packets;
            }
        }

        /// <summary>The written packets whose first byte has <paramref name="type"/> in its high nibble.</summary>
        internal List<(long Time, byte[] Bytes)> Written(MqttPacketType type)
        {
            return Written().Where(p => p.Bytes[0] >> 4 == (int)type).ToList();
        }

        public void Connect(string host, int port)
        {
            lock (_gate)
            {
                Connects++;
                if (ConnectFailure != null)
                {
                    Exception failure = ConnectFailure;
                    ConnectFailure = null;
                    throw failure;
                }

                _closed = false;
                _peerClosed = false;
            }
        }

        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            Action idle = null;
            lock (_gate)
            {
                if (_reads < MaxReads)
                {
                    _readAllocations[_reads] = allocated;
                }

                _reads++;
                if (_closed)
                {
                    throw new IOException("channel closed");
                }

                int available = _incomingEnd - _incomingStart;
                if (available == 0)
                {
                    if (_peerClosed)
                    {
                        throw new IOException("connection closed by the peer");
                    }

                    Monitor.Wait(_gate, 1);
                    if (_closed)
                    {
                        throw new IOException("channel closed");
                    }

                    available = _incomingEnd - _incomingStart;
                    if (available == 0)
                    {
                        Clock.Advance(timeoutMilliseconds);
                        idle = IdleRead;
                    }
                }

                if (available > 0)
                {
                    int n = Math.Min(Math.Min(count, available), ChunkSize);
                    Array.Copy(_incoming, _incomingStart, buffer, offset, n);
                    _incomingStart += n;
                    return n;
                }
            }

            idle?.Invoke();
            return 0;
        }


        public void Write(byte[] buffer, int offset, int count)
        {
            // Two writers inside at once would interleave bytes on a real socket.
            if (Interlocked.Increment(ref _writersInside) > 1)
            {
                Interlocked.Increment(ref _overlappingWrites);
            }

            try
            {
                Thread.SpinWait(20);
                Record(buffer, offset, count);
            }
            finally
            {
                Interlocked.Decrement(ref _writersInside);
            }
        }

        private void Record(byte[] buffer, int offset, int count)
        {
            byte[] packet = null;
            Func<byte[], byte[]> responder;
            lock (_gate)
            {
                if (_closed)
                {
                    throw new IOException("channel closed");
                }

                if (WriteFailure != null)
                {
                    throw WriteFailure;
                }

                int start = _writeOffsets[_writes];
                Array.Copy(buffer, offset, _outgoing, start, count);
                _writeTimes[_writes] = Clock.ElapsedMilliseconds;
                _writes++;
                _writeOffsets[_writes] = start + count;
                responder = Responder;
                if (responder != null)
                {
                    packet = _outgoing.AsSpan(start, count).ToArray();
                }
            }

            byte[] reply = responder?.Invoke(packet);
            if (reply != null)
            {
                Enqueue(reply);
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                _closed = true;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>A responder that accepts the connection and answers PINGREQ, SUBSCRIBE (granting the QoS asked) and, when asked to, QoS 1 PUBLISH.</summary>
        internal static Func<byte[], byte[]> Broker(bool answerPings = true, bool acknowledgePublishes = false, byte connAckCode = 0)
        {
            return packet =>
            {
                switch ((MqttPacketType)(packet[0] >> 4))
                {
                    case MqttPacketType.Connect:
                        return new byte[] { 0x20, 0x02, 0x00, connAckCode };
                    case MqttPacketType.PingReq:
                        return answerPings ? new byte[] { 0xD0, 0x00 } : null;
                    case MqttPacketType.Subscribe:
                        return new byte[] { 0x90, 0x03, packet[2], packet[3], packet[^1] };
                    case MqttPacketType.Publish:
                        if (!acknowledgePublishes || (packet[0] & 0x06) == 0)
                        {
                            return null;
                        }

                        ushort id = Bytes.PublishPacketId(packet);
                        return new byte[] { 0x40, 0x02, (byte)(id >> 8), (byte)id };
                    default:
                        return null;
                }
            };
        }
    }
}
