using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// What the owner's thread, the publishing threads and the reader thread of an
    /// <see cref="MqttClient"/> share: whether it is connected or stopping, the reader thread,
    /// the packet identifiers, the QoS 1 publish in flight, the Subscribe waiting for its SUBACK,
    /// the last write and its failure.
    /// </summary>
    /// <remarks>
    /// No thread of its own. Every field is guarded by one lock, the client's state lock, and
    /// each method is one step taken whole under it. No method writes to the channel or calls
    /// the handler, so the lock is never held across either, and it can be taken while the
    /// transmitter's write lock is held (the write lock first, never after it).
    /// </remarks>
    internal sealed class MqttConnectionState
    {
        /// <summary>The SUBACK has not arrived.</summary>
        internal const int SubAckPending = -1;

        /// <summary>The connection ended before the SUBACK arrived.</summary>
        internal const int SubAckLost = -2;

        /// <summary>The server refused the subscription.</summary>
        internal const int SubAckFailure = 0x80;

        private readonly object _sync = new object();
        private readonly AutoResetEvent _subAckArrived = new AutoResetEvent(false);
        private bool _connected;
        private bool _stopping;
        private Thread _reader;
        private bool _readerEnded;
        private Exception _writeFailure;
        private long _lastSent;
        private ushort _lastPacketId;
        private bool _inFlight;
        private ushort _inFlightId;
        private long _publishSentAt;
        private ushort _subscribeId;
        private int _subAckCode;
        private int _pubAckTimeoutMilliseconds = 10000;

        /// <summary>How long a QoS 1 publish waits for its PUBACK.</summary>
        internal int PubAckTimeoutMilliseconds
        {
            get
            {
                lock (_sync)
                {
                    return _pubAckTimeoutMilliseconds;
                }
            }

            set
            {
                lock (_sync)
                {
                    _pubAckTimeoutMilliseconds = value;
                }
            }
        }

        /// <summary>True from a successful connect until the connection is lost or closed.</summary>
        internal bool IsConnected
        {
            get
            {
                lock (_sync)
                {
                    return _connected;
                }
            }
        }

        /// <summary>True while a QoS 1 publish waits for its PUBACK.</summary>
        internal bool HasPublishInFlight
        {
            get
            {
                lock (_sync)
                {
                    return _inFlight;
                }
            }
        }

        /// <summary>True once the connection is being closed or has ended: the reader leaves its loop.</summary>
        internal bool IsStopping
        {
            get
            {
                lock (_sync)
                {
                    return _stopping;
                }
            }
        }

        /// <summary>When the last packet was written, on the client's clock.</summary>
        internal long LastSent
        {
            get
            {
                lock (_sync)
                {
                    return _lastSent;
                }
            }
        }

        /// <summary>Checks that a connect may start here; returns the last connection's reader thread, or null.</summary>
        /// <exception cref="InvalidOperationException">Already connected, or on a reader still in its loop.</exception>
        internal Thread CheckCanConnect()
        {
            lock (_sync)
            {
                if (_connected)
                {
                    throw new InvalidOperationException("already connected");
                }

                // A reader still in its loop would go on reading the new connection.
                if (_reader == Thread.CurrentThread && !_readerEnded)
                {
                    throw new InvalidOperationException("Connect cannot run on the reader thread, except from OnConnectionLost");
                }

                return _reader;
            }
        }

        /// <summary>Forgets the last connection's stop, write failure, publish in flight and Subscribe.</summary>
        internal void Reset()
        {
            lock (_sync)
            {
                _stopping = false;
                _writeFailure = null;
                _inFlight = false;
                _subscribeId = 0;
            }
        }

        /// <summary>Marks the connection up and starts its reader thread.</summary>
        internal void Connected(Thread reader)
        {
            lock (_sync)
            {
                _connected = true;
                _readerEnded = false;
                _reader = reader;
                _reader.Start();
            }
        }

        /// <summary>
        /// Marks the connection closed by its owner, so that the reader stops without reporting a loss.
        /// </summary>
        /// <param name="reader">The connection's reader thread, or null if none was started.</param>
        /// <returns>True when the connection was up.</returns>
        internal bool Close(out Thread reader)
        {
            lock (_sync)
            {
                bool wasConnected = _connected;
                _connected = false;
                _stopping = true;
                reader = _reader;
                return wasConnected;
            }
        }

        /// <summary>
        /// Marks the connection ended by its reader thread: nothing is in flight, and a waiting
        /// Subscribe learns that its SUBACK will not come.
        /// </summary>
        /// <param name="reason">Why the reader stopped; replaced by a write failure, which came first.</param>
        /// <returns>True when the owner did not close the connection, so that the loss is reported.</returns>
        internal bool ReaderEnded(ref Exception reason)
        {
            lock (_sync)
            {
                bool report = !_stopping;
                _readerEnded = true;
                if (_writeFailure != null)
                {
                    reason = _writeFailure;
                }

                _connected = false;
                _stopping = true;
                _inFlight = false;
                if (_subscribeId != 0)
                {
                    _subAckCode = SubAckLost;
                    _subAckArrived.Set();
                }

                return report;
            }
        }

        /// <summary>Checks that packets may be sent.</summary>
        /// <exception cref="InvalidOperationException">Not connected.</exception>
        internal void CheckConnected()
        {
            lock (_sync)
            {
                CheckConnectedLocked();
            }
        }

        /// <summary>Checks that a QoS 1 publish may be sent.</summary>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        internal void CheckCanPublishQos1()
        {
            lock (_sync)
            {
                CheckCanPublishQos1Locked();
            }
        }

        /// <summary>Checks that a QoS 1 publish may be sent and takes its packet identifier.</summary>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        internal ushort NextPublishId()
        {
            lock (_sync)
            {
                CheckCanPublishQos1Locked();
                return NextPacketIdLocked();
            }
        }

        /// <summary>Takes a packet identifier that no acknowledgment is awaited for.</summary>
        internal ushort NextPacketId()
        {
            lock (_sync)
            {
                return NextPacketIdLocked();
            }
        }

        /// <summary>Marks a QoS 1 publish in flight; before it is written, as its PUBACK may come before the write returns.</summary>
        internal void PublishInFlight(ushort id, long now)
        {
            lock (_sync)
            {
                _inFlight = true;
                _inFlightId = id;
                _publishSentAt = now;
            }
        }

        /// <summary>Ends the publish in flight if <paramref name="packetId"/> is its identifier.</summary>
        /// <returns>False for a stray PUBACK.</returns>
        internal bool Acknowledge(ushort packetId)
        {
            lock (_sync)
            {
                bool acknowledged = _inFlight && _inFlightId == packetId;
                _inFlight = _inFlight && !acknowledged;
                return acknowledged;
            }
        }

        /// <summary>
        /// Throws when the publish in flight is past its PUBACK deadline; otherwise returns the
        /// earlier of <paramref name="next"/> and that deadline.
        /// </summary>
        /// <exception cref="TimeoutException">No PUBACK in time.</exception>
        internal long CheckPubAckDeadline(long now, long next)
        {
            lock (_sync)
            {
                if (!_inFlight)
                {
                    return next;
                }

                long due = _publishSentAt + _pubAckTimeoutMilliseconds;
                if (now >= due)
                {
                    throw new TimeoutException("no PUBACK for packet " + _inFlightId.ToString() + " within " + _pubAckTimeoutMilliseconds.ToString() + " ms");
                }

                return due < next ? due : next;
            }
        }

        /// <summary>Checks that a Subscribe may start on this thread and takes its packet identifier.</summary>
        /// <exception cref="InvalidOperationException">Not connected, on the reader thread, or another Subscribe is waiting.</exception>
        internal ushort NextSubscribeId()
        {
            lock (_sync)
            {
                CheckConnectedLocked();
                if (Thread.CurrentThread == _reader)
                {
                    throw new InvalidOperationException("Subscribe waits for the reader thread and cannot run on it");
                }

                if (_subscribeId != 0)
                {
                    throw new InvalidOperationException("another Subscribe is waiting for its SUBACK");
                }

                return NextPacketIdLocked();
            }
        }

        /// <summary>Marks a Subscribe waiting for the SUBACK of <paramref name="id"/>.</summary>
        internal void SubscribePending(ushort id)
        {
            lock (_sync)
            {
                _subscribeId = id;
                _subAckCode = SubAckPending;
                _subAckArrived.Reset();
            }
        }

        /// <summary>Hands the return code to the waiting Subscribe, if the SUBACK is its own.</summary>
        internal void SubAckReceived(ushort packetId, int returnCode)
        {
            lock (_sync)
            {
                // A SUBACK that comes after Subscribe timed out finds no one waiting.
                if (_subscribeId == packetId)
                {
                    _subAckCode = returnCode;
                    _subAckArrived.Set();
                }
            }
        }

        /// <summary>Waits for the SUBACK of the pending Subscribe, which then ends.</summary>
        /// <returns>Its return code, <see cref="SubAckPending"/> or <see cref="SubAckLost"/>.</returns>
        internal int AwaitSubAck(int timeoutMilliseconds)
        {
            _subAckArrived.WaitOne(timeoutMilliseconds, false);
            lock (_sync)
            {
                _subscribeId = 0;
                return _subAckCode;
            }
        }

        /// <summary>Ends the pending Subscribe without a SUBACK.</summary>
        internal void SubscribeEnded()
        {
            lock (_sync)
            {
                _subscribeId = 0;
            }
        }

        /// <summary>Records a failed write, unless one is recorded already: it is why the reader stops.</summary>
        internal void WriteFailed(Exception failure)
        {
            lock (_sync)
            {
                if (_writeFailure == null)
                {
                    _writeFailure = failure;
                }
            }
        }

        /// <summary>Records when a packet was last written.</summary>
        internal void Sent(long now)
        {
            lock (_sync)
            {
                _lastSent = now;
            }
        }

        private void CheckConnectedLocked()
        {
            if (!_connected)
            {
                throw new InvalidOperationException("not connected");
            }
        }

        private void CheckCanPublishQos1Locked()
        {
            CheckConnectedLocked();
            if (_inFlight)
            {
                throw new InvalidOperationException("a QoS 1 publish is still waiting for its PUBACK");
            }
        }

        // Skips 0 and the identifiers still waiting for an acknowledgment.
        private ushort NextPacketIdLocked()
        {
            do
            {
                _lastPacketId = (ushort)(_lastPacketId == ushort.MaxValue ? 1 : _lastPacketId + 1);
            }
            while ((_inFlight && _lastPacketId == _inFlightId) || _lastPacketId == _subscribeId);

            return _lastPacketId;
        }
    }
}
