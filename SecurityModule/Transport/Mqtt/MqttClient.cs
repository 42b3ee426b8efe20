using System;
using System.IO;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// MQTT 3.1.1 client over an <see cref="INetworkChannel"/>: clean session, QoS 0 and 1,
    /// at most one QoS 1 publish in flight. Buffers are allocated once, here.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Threads: <see cref="Connect"/>, <see cref="Subscribe"/>, <see cref="Publish"/> and
    /// <see cref="Disconnect"/> run on the caller's thread. While connected, one reader thread
    /// reads the channel with a short timeout, decodes packets, calls the handler, and keeps
    /// the deadlines: PINGREQ when idle, dead link after 1.5 × keep-alive without a byte, and
    /// a dead link when a QoS 1 publish has no PUBACK in time. It is never resent on the same
    /// connection: against a slow or throttling IoT Hub a resend would be a second, billed copy,
    /// so the owner reconnects and publishes again on the new connection. Every channel write, from either thread, holds one write lock, so
    /// packets never interleave. Connect and Disconnect belong to one owner and are not called
    /// concurrently with each other. Of the handler's callbacks, only
    /// <see cref="IMqttClientHandler.OnConnectionLost"/> may call Connect; any may call
    /// Publish or Disconnect.
    /// </para>
    /// <para>
    /// Locks: the write lock is taken before the state lock, never after it, and the state
    /// lock is never held across channel I/O or a handler call.
    /// </para>
    /// </remarks>
    internal sealed class MqttClient
    {
        // The reader wakes at least this often to check deadlines set by other threads.
        private const int PollMilliseconds = 1000;

        // A whole fixed header (1 + 4 bytes) must fit, or the reader could not tell a packet's size.
        private const int MinPacketSize = 5;

        /// <summary>
        /// Longest topic delivered to the handler, in UTF-8 bytes. IoT Hub's twin topics are under
        /// 100; a buffer the size of a packet would cost a device kilobytes for nothing.
        /// </summary>
        internal const int MaxTopicChars = 512;

        private const int SubAckPending = -1;
        private const int SubAckLost = -2;
        private const int SubAckFailure = 0x80;

        private readonly INetworkChannel _channel;
        private readonly IMqttClientHandler _handler;
        private readonly IMonotonicClock _clock;
        private readonly byte[] _receiveBuffer;
        private readonly byte[] _transmitBuffer;
        private readonly byte[] _publishBuffer;
        private readonly char[] _topicChars;
        private readonly MqttPacket _packet = new MqttPacket();
        private readonly object _writeLock = new object();
        private readonly object _sync = new object();
        private readonly AutoResetEvent _subAckArrived = new AutoResetEvent(false);
        private Logger _log = new Logger(null);

        // Guarded by _writeLock: the publish buffer holds the QoS 1 packet, from _publishStart.
        private int _publishStart;
        private int _publishLength;

        // Guarded by _sync.
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

        // Owned by Connect until it starts the reader, then by the reader thread alone.
        private int _receiveStart;
        private int _receiveEnd;
        private int _skipRemaining;
        private long _lastReceived;

        // Cleared by any byte received: whatever the server sends answers the question a PINGREQ asks.
        private bool _pingOutstanding;
        private int _keepAliveMilliseconds;

        /// <summary>Creates a client; nothing is sent until <see cref="Connect"/>.</summary>
        /// <param name="channel">The byte stream to the server.</param>
        /// <param name="handler">Receives messages, acknowledgments and connection loss.</param>
        /// <param name="clock">Clock for every deadline.</param>
        /// <param name="maxPacketSize">
        /// Size of each of the receive, transmit and publish buffers: the largest packet sent or
        /// accepted, fixed header included. A larger incoming packet ends the connection.
        /// </param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPacketSize"/> is below 5.</exception>
        internal MqttClient(INetworkChannel channel, IMqttClientHandler handler, IMonotonicClock clock, int maxPacketSize)
            : this(channel, handler, clock, maxPacketSize, maxPacketSize)
        {
        }

        /// <summary>Creates a client whose transmit buffer is smaller than its packets.</summary>
        /// <param name="channel">The byte stream to the server.</param>
        /// <param name="handler">Receives messages, acknowledgments and connection loss.</param>
        /// <param name="clock">Clock for every deadline.</param>
        /// <param name="maxPacketSize">
        /// Size of the receive and publish buffers: the largest packet accepted and the largest
        /// QoS 1 PUBLISH sent, fixed header included.
        /// </param>
        /// <param name="transmitBufferSize">
        /// Size of the buffer of every other packet (CONNECT, SUBSCRIBE, QoS 0 PUBLISH, acks):
        /// a device that publishes only small QoS 0 packets saves the difference.
        /// </param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is below 5.</exception>
        internal MqttClient(INetworkChannel channel, IMqttClientHandler handler, IMonotonicClock clock, int maxPacketSize, int transmitBufferSize)
        {
            if (channel == null || handler == null || clock == null)
            {
                throw new ArgumentNullException(channel == null ? "channel" : handler == null ? "handler" : "clock");
            }

            if (maxPacketSize < MinPacketSize || transmitBufferSize < MinPacketSize)
            {
                throw new ArgumentOutOfRangeException(maxPacketSize < MinPacketSize ? "maxPacketSize" : "transmitBufferSize");
            }

            _channel = channel;
            _handler = handler;
            _clock = clock;
            _receiveBuffer = new byte[maxPacketSize];
            _transmitBuffer = new byte[transmitBufferSize];
            _publishBuffer = new byte[maxPacketSize];
            _topicChars = new char[maxPacketSize < MaxTopicChars ? maxPacketSize : MaxTopicChars];
        }

        /// <summary>Where the client logs connection events; no sink by default.</summary>
        internal Logger Log
        {
            get { return _log; }
            set { _log = value == null ? new Logger(null) : value; }
        }

        /// <summary>How long a QoS 1 publish waits for its PUBACK before the link is declared lost. Default 10,000.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
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
                if (value <= 0)
                {
                    throw new ArgumentOutOfRangeException("value");
                }

                lock (_sync)
                {
                    _pubAckTimeoutMilliseconds = value;
                }
            }
        }

        /// <summary>True from a successful <see cref="Connect"/> until the connection is lost or closed.</summary>
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

        /// <summary>
        /// Opens the channel, sends CONNECT (clean session) and waits for the CONNACK; then
        /// starts the reader thread. Nothing is in flight on a new connection.
        /// </summary>
        /// <param name="host">Server host name.</param>
        /// <param name="port">Server port.</param>
        /// <param name="clientId">Client identifier.</param>
        /// <param name="username">User name, or null.</param>
        /// <param name="password">Password, or null; needs a user name.</param>
        /// <param name="keepAliveSeconds">Keep-alive interval; 0 turns keep-alive and dead-link detection off.</param>
        /// <param name="timeoutMilliseconds">Longest wait for the CONNACK, from the start of the call.</param>
        /// <exception cref="InvalidOperationException">Already connected.</exception>
        /// <exception cref="MqttConnectException">The server refused the connection.</exception>
        /// <exception cref="MqttProtocolException">The reply is not a valid CONNACK.</exception>
        /// <exception cref="TimeoutException">No CONNACK in time.</exception>
        internal void Connect(string host, int port, string clientId, string username, string password, ushort keepAliveSeconds, int timeoutMilliseconds)
        {
            if (timeoutMilliseconds <= 0)
            {
                throw new ArgumentOutOfRangeException("timeoutMilliseconds");
            }

            long deadline = _clock.ElapsedMilliseconds + timeoutMilliseconds;
            Thread previous;
            lock (_sync)
            {
                if (_connected)
                {
                    throw new InvalidOperationException("already connected");
                }

                previous = _reader;

                // A reader still in its loop would go on reading the new connection.
                if (previous == Thread.CurrentThread && !_readerEnded)
                {
                    throw new InvalidOperationException("Connect cannot run on the reader thread, except from OnConnectionLost");
                }
            }

            // The last connection's reader may still be returning from OnConnectionLost, or
            // from a handler that called Disconnect.
            if (previous != null && previous != Thread.CurrentThread)
            {
                previous.Join();
            }

            lock (_writeLock)
            {
                // Encoded first: bad arguments throw before a connection is opened.
                int length = MqttPacketWriter.WriteConnect(_transmitBuffer, clientId, username, password, keepAliveSeconds);
                lock (_sync)
                {
                    _stopping = false;
                    _writeFailure = null;
                    _inFlight = false;
                    _subscribeId = 0;
                }

                try
                {
                    _channel.Connect(host, port);
                    Send(_transmitBuffer, length);
                }
                catch (Exception)
                {
                    _channel.Close();
                    throw;
                }
            }

            try
            {
                ReadConnAck(deadline);
            }
            catch (Exception)
            {
                _channel.Close();
                throw;
            }

            _keepAliveMilliseconds = keepAliveSeconds * 1000;
            _lastReceived = _clock.ElapsedMilliseconds;
            _pingOutstanding = false;
            lock (_sync)
            {
                _connected = true;
                _readerEnded = false;
                _reader = new Thread(ReadLoop);
                _reader.Start();
            }

            if (Logger.InformationEnabled)
            {
                _log.Write(LogLevel.Information, "MQTT connected to " + host);
            }
        }

        /// <summary>Subscribes to one topic filter and waits for the SUBACK.</summary>
        /// <param name="topicFilter">Topic filter; wildcards allowed as whole levels.</param>
        /// <param name="qos">Requested QoS, 0 or 1.</param>
        /// <param name="timeoutMilliseconds">Longest wait for the SUBACK.</param>
        /// <exception cref="InvalidOperationException">Not connected, another Subscribe is waiting, or called on the reader thread.</exception>
        /// <exception cref="MqttSubscribeException">The server refused the subscription.</exception>
        /// <exception cref="TimeoutException">No SUBACK in time; the connection stays up.</exception>
        /// <exception cref="IOException">The connection was lost or closed while waiting.</exception>
        internal void Subscribe(string topicFilter, int qos, int timeoutMilliseconds)
        {
            if (timeoutMilliseconds <= 0)
            {
                throw new ArgumentOutOfRangeException("timeoutMilliseconds");
            }

            lock (_writeLock)
            {
                ushort id;
                lock (_sync)
                {
                    CheckConnected();
                    if (Thread.CurrentThread == _reader)
                    {
                        throw new InvalidOperationException("Subscribe waits for the reader thread and cannot run on it");
                    }

                    if (_subscribeId != 0)
                    {
                        throw new InvalidOperationException("another Subscribe is waiting for its SUBACK");
                    }

                    id = NextPacketId();
                }

                int length = MqttPacketWriter.WriteSubscribe(_transmitBuffer, id, topicFilter, qos);
                lock (_sync)
                {
                    _subscribeId = id;
                    _subAckCode = SubAckPending;
                    _subAckArrived.Reset();
                }

                try
                {
                    Send(_transmitBuffer, length);
                }
                catch (Exception)
                {
                    lock (_sync)
                    {
                        _subscribeId = 0;
                    }

                    throw;
                }
            }

            _subAckArrived.WaitOne(timeoutMilliseconds, false);
            int code;
            lock (_sync)
            {
                code = _subAckCode;
                _subscribeId = 0;
            }

            if (code == SubAckPending)
            {
                throw new TimeoutException("no SUBACK within " + timeoutMilliseconds.ToString() + " ms");
            }

            if (code == SubAckLost)
            {
                throw new IOException("the connection ended before the SUBACK arrived");
            }

            if (code == SubAckFailure)
            {
                throw new MqttSubscribeException(topicFilter);
            }
        }

        /// <summary>
        /// Sends a PUBLISH. A QoS 1 publish is in flight until its PUBACK; without one within
        /// <see cref="PubAckTimeoutMilliseconds"/> the connection is declared lost.
        /// </summary>
        /// <param name="topic">Topic name.</param>
        /// <param name="payload">Array holding the payload; copied before this returns.</param>
        /// <param name="offset">Index of the payload.</param>
        /// <param name="count">Payload bytes.</param>
        /// <param name="qos">0 or 1.</param>
        /// <returns>The packet identifier of a QoS 1 publish; 0 for QoS 0.</returns>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        /// <exception cref="ArgumentException">Bad topic or payload range, or the packet exceeds the buffer.</exception>
        internal ushort Publish(string topic, byte[] payload, int offset, int count, int qos)
        {
            lock (_writeLock)
            {
                if (qos != 1)
                {
                    lock (_sync)
                    {
                        CheckConnected();
                    }

                    Send(_transmitBuffer, MqttPacketWriter.WritePublish(_transmitBuffer, topic, payload, offset, count, qos, 0, false));
                    return 0;
                }

                ushort id;
                lock (_sync)
                {
                    CheckCanPublishQos1();
                    id = NextPacketId();
                }

                _publishStart = 0;
                _publishLength = MqttPacketWriter.WritePublish(_publishBuffer, topic, payload, offset, count, 1, id, false);
                SendInFlight(id);
                return id;
            }
        }

        /// <summary>
        /// Sends a QoS 1 PUBLISH whose payload <paramref name="source"/> copies straight into the
        /// publish buffer, so that the caller needs no buffer of its own; otherwise as
        /// <see cref="Publish"/>. The source is called once, under the client's write lock,
        /// before anything is sent.
        /// </summary>
        /// <param name="topic">Topic name.</param>
        /// <param name="source">Copies the payload.</param>
        /// <returns>The packet identifier; 0 when the source had nothing to send.</returns>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        /// <exception cref="ArgumentException">Bad topic.</exception>
        internal ushort PublishFrom(string topic, IMqttPayloadSource source)
        {
            if (source == null)
            {
                throw new ArgumentNullException("source");
            }

            lock (_writeLock)
            {
                lock (_sync)
                {
                    CheckCanPublishQos1();
                }

                int payloadOffset = MqttPacketWriter.PublishPayloadOffset(topic, _publishBuffer.Length);
                int count = source.CopyPayload(_publishBuffer, payloadOffset, _publishBuffer.Length - payloadOffset);
                if (count == 0)
                {
                    return 0;
                }

                ushort id;
                lock (_sync)
                {
                    id = NextPacketId();
                }

                _publishStart = MqttPacketWriter.WritePublishHeader(_publishBuffer, payloadOffset, count, topic, id);
                _publishLength = payloadOffset + count - _publishStart;
                SendInFlight(id);
                return id;
            }
        }

        /// <summary>Under the state lock: connected, and no QoS 1 publish in flight.</summary>
        private void CheckCanPublishQos1()
        {
            CheckConnected();
            if (_inFlight)
            {
                throw new InvalidOperationException("a QoS 1 publish is still waiting for its PUBACK");
            }
        }

        /// <summary>Sends the packet in the publish buffer as the publish in flight. Under the write lock.</summary>
        private void SendInFlight(ushort id)
        {
            // In flight before the write: the PUBACK may arrive before Write returns.
            lock (_sync)
            {
                _inFlight = true;
                _inFlightId = id;
                _publishSentAt = _clock.ElapsedMilliseconds;
            }

            Send(_publishBuffer, _publishStart, _publishLength);
        }

        /// <summary>
        /// Sends DISCONNECT if connected, closes the channel and stops the reader thread (and
        /// waits for it, unless called on it). No <see cref="IMqttClientHandler.OnConnectionLost"/> follows.
        /// </summary>
        internal void Disconnect()
        {
            bool wasConnected;
            Thread reader;
            lock (_sync)
            {
                wasConnected = _connected;
                _connected = false;
                _stopping = true;
                reader = _reader;
            }

            if (wasConnected)
            {
                lock (_writeLock)
                {
                    try
                    {
                        Send(_transmitBuffer, MqttPacketWriter.WriteDisconnect(_transmitBuffer));
                    }
                    catch (Exception)
                    {
                        // The channel is closed next either way; a lost DISCONNECT only makes
                        // the server see a dropped connection instead of a clean one.
                    }
                }
            }

            _channel.Close();
            if (reader != null && reader != Thread.CurrentThread)
            {
                reader.Join();
            }

            if (Logger.InformationEnabled && wasConnected)
            {
                _log.Write(LogLevel.Information, "MQTT disconnected");
            }
        }

        private void CheckConnected()
        {
            if (!_connected)
            {
                throw new InvalidOperationException("not connected");
            }
        }

        // Caller holds _sync. Skips 0 and the identifiers still waiting for an acknowledgment.
        private ushort NextPacketId()
        {
            do
            {
                _lastPacketId = (ushort)(_lastPacketId == ushort.MaxValue ? 1 : _lastPacketId + 1);
            }
            while ((_inFlight && _lastPacketId == _inFlightId) || _lastPacketId == _subscribeId);

            return _lastPacketId;
        }

        // Caller holds _writeLock. A failed write closes the channel, so that the reader stops
        // and reports this failure rather than the read error it causes.
        private void Send(byte[] packet, int length)
        {
            Send(packet, 0, length);
        }

        private void Send(byte[] packet, int offset, int length)
        {
            try
            {
                _channel.Write(packet, offset, length);
            }
            catch (Exception e)
            {
                lock (_sync)
                {
                    if (_writeFailure == null)
                    {
                        _writeFailure = e;
                    }
                }

                _channel.Close();
                throw;
            }

            long now = _clock.ElapsedMilliseconds;
            lock (_sync)
            {
                _lastSent = now;
            }
        }

        private void ReadConnAck(long deadline)
        {
            _receiveStart = 0;
            _receiveEnd = 0;
            _skipRemaining = 0;
            int length;
            while (true)
            {
                length = MqttPacketReader.GetPacketLength(_receiveBuffer, 0, _receiveEnd, _receiveBuffer.Length);
                if (length > 0 && length <= _receiveEnd)
                {
                    break;
                }

                long left = deadline - _clock.ElapsedMilliseconds;
                if (left <= 0)
                {
                    throw new TimeoutException("no CONNACK in time");
                }

                _receiveEnd += _channel.Read(_receiveBuffer, _receiveEnd, _receiveBuffer.Length - _receiveEnd, (int)left);
            }

            MqttPacketReader.Decode(_receiveBuffer, 0, _receiveEnd, _receiveBuffer.Length, _packet);
            if (_packet.Type != MqttPacketType.ConnAck)
            {
                throw new MqttProtocolException("the server's first packet is not a CONNACK");
            }

            if (_packet.ReturnCode != 0)
            {
                throw new MqttConnectException(_packet.ReturnCode);
            }

            if (_packet.SessionPresent)
            {
                throw new MqttProtocolException("CONNACK says a session is present, but the client asked for a clean session");
            }

            // Bytes after the CONNACK belong to the reader.
            _receiveStart = length;
        }

        private void ReadLoop()
        {
            Exception reason = null;
            try
            {
                ProcessReceived();
                while (!IsStopping())
                {
                    int wait = KeepDeadlines(_clock.ElapsedMilliseconds);
                    int read = _channel.Read(_receiveBuffer, _receiveEnd, _receiveBuffer.Length - _receiveEnd, wait);
                    if (read > 0)
                    {
                        _receiveEnd += read;
                        _lastReceived = _clock.ElapsedMilliseconds;
                        _pingOutstanding = false;
                        ProcessReceived();
                    }
                }
            }
            catch (Exception e)
            {
                reason = e;
            }

            EndConnection(reason);
        }

        private bool IsStopping()
        {
            lock (_sync)
            {
                return _stopping;
            }
        }

        private void EndConnection(Exception reason)
        {
            bool report;
            lock (_sync)
            {
                report = !_stopping;
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
            }

            _channel.Close();
            if (report)
            {
                if (Logger.WarningEnabled)
                {
                    _log.Write(LogLevel.Warning, "MQTT connection lost: " + reason.Message);
                }

                try
                {
                    _handler.OnConnectionLost(reason);
                }
                catch (Exception e)
                {
                    // Nothing is left to end, and escaping would end the thread with an
                    // unhandled exception (the whole process, on a PC).
                    if (Logger.ErrorEnabled)
                    {
                        _log.Write(LogLevel.Error, "MQTT OnConnectionLost failed: " + e.Message);
                    }
                }
            }
        }

        // Handles every complete packet in the receive buffer, then moves a partial one to the
        // front, so that a packet of up to the buffer's size always has room. Stops as soon as
        // a handler has called Disconnect. A QoS 0 PUBLISH larger than the buffer (say, a twin
        // far beyond what the device was built for) is skipped as it streams in, and reported,
        // rather than ending a connection that would only receive it again.
        private void ProcessReceived()
        {
            while (!IsStopping())
            {
                int available = _receiveEnd - _receiveStart;
                if (_skipRemaining > 0)
                {
                    int skipped = available < _skipRemaining ? available : _skipRemaining;
                    _receiveStart += skipped;
                    _skipRemaining -= skipped;
                    if (_skipRemaining > 0)
                    {
                        break;
                    }

                    continue;
                }

                int declared = MqttPacketReader.GetDeclaredLength(_receiveBuffer, _receiveStart, available);
                if (declared > _receiveBuffer.Length && MqttPacketReader.IsQos0Publish(_receiveBuffer[_receiveStart]))
                {
                    _skipRemaining = declared;
                    _handler.OnMessageTooLarge(declared);
                    continue;
                }

                int length = MqttPacketReader.GetPacketLength(_receiveBuffer, _receiveStart, available, _receiveBuffer.Length);
                if (length == 0 || length > available)
                {
                    break;
                }

                MqttPacketReader.Decode(_receiveBuffer, _receiveStart, available, _receiveBuffer.Length, _packet);
                _receiveStart += length;
                Handle(_packet);
            }

            int partial = _receiveEnd - _receiveStart;
            if (partial > 0 && _receiveStart > 0)
            {
                Array.Copy(_receiveBuffer, _receiveStart, _receiveBuffer, 0, partial);
            }

            _receiveStart = 0;
            _receiveEnd = partial;
        }

        private void Handle(MqttPacket packet)
        {
            switch (packet.Type)
            {
                case MqttPacketType.Publish:
                    // A topic of N UTF-8 bytes is at most N chars.
                    if (packet.TopicLength > _topicChars.Length)
                    {
                        _handler.OnMessageTooLarge(packet.Length);
                    }
                    else
                    {
                        int chars = MqttUtf8.Decode(_receiveBuffer, packet.TopicOffset, packet.TopicLength, _topicChars);
                        _handler.OnMessageReceived(new string(_topicChars, 0, chars), _receiveBuffer, packet.PayloadOffset, packet.PayloadCount);
                    }

                    if (packet.Qos == 1)
                    {
                        lock (_writeLock)
                        {
                            Send(_transmitBuffer, MqttPacketWriter.WritePubAck(_transmitBuffer, packet.PacketId));
                        }
                    }

                    break;
                case MqttPacketType.PubAck:
                    bool acknowledged;
                    lock (_sync)
                    {
                        acknowledged = _inFlight && _inFlightId == packet.PacketId;
                        _inFlight = _inFlight && !acknowledged;
                    }

                    // Otherwise a stray PUBACK (a broker bug, or a message given up on): nothing to do.
                    if (acknowledged)
                    {
                        _handler.OnPublishAcknowledged(packet.PacketId);
                    }

                    break;
                case MqttPacketType.SubAck:
                    if (packet.ReturnCodeCount != 1)
                    {
                        throw new MqttProtocolException("SUBACK has more than one return code for a SUBSCRIBE with one topic filter");
                    }

                    lock (_sync)
                    {
                        // A SUBACK that comes after Subscribe timed out finds no one waiting.
                        if (_subscribeId == packet.PacketId)
                        {
                            _subAckCode = packet.ReturnCode;
                            _subAckArrived.Set();
                        }
                    }

                    break;
                case MqttPacketType.ConnAck:
                    throw new MqttProtocolException("CONNACK on a connection already accepted");
            }
        }

        // Sends what is due (PINGREQ) or throws TimeoutException for a dead link;
        // returns how long the next read may wait before a deadline passes.
        private int KeepDeadlines(long now)
        {
            long next = now + PollMilliseconds;
            if (_keepAliveMilliseconds > 0)
            {
                long dead = _lastReceived + (_keepAliveMilliseconds * 3L / 2);
                if (now >= dead)
                {
                    throw new TimeoutException("nothing received for 1.5 x the keep-alive interval");
                }

                next = Earlier(next, dead);
                long lastSent;
                lock (_sync)
                {
                    lastSent = _lastSent;
                }

                // Also when only the server has been quiet: a client that publishes QoS 0
                // all the time would otherwise never ping, and the dead-link rule would fire.
                if (!_pingOutstanding)
                {
                    long due = Earlier(lastSent, _lastReceived) + _keepAliveMilliseconds;
                    if (now >= due)
                    {
                        lock (_writeLock)
                        {
                            Send(_transmitBuffer, MqttPacketWriter.WritePingReq(_transmitBuffer));
                        }

                        _pingOutstanding = true;
                    }
                    else
                    {
                        next = Earlier(next, due);
                    }
                }
            }

            next = CheckPubAckDeadline(now, next);
            return (int)(next - now);
        }

        private long CheckPubAckDeadline(long now, long next)
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

                return Earlier(due, next);
            }
        }

        private static long Earlier(long a, long b)
        {
            return a < b ? a : b;
        }
    }
}
