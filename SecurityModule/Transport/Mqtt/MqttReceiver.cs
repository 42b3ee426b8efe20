using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// The read side of an <see cref="MqttClient"/>: reads the CONNACK, then, on its own reader
    /// thread for as long as the connection lasts, reads the channel with a short timeout,
    /// decodes packets, calls the handler and keeps the deadlines: PINGREQ when idle, a dead
    /// link after 1.5 × keep-alive without a byte, and a dead link when a QoS 1 publish has no
    /// PUBACK in time.
    /// </summary>
    /// <remarks>
    /// The receive buffer, its extent and the keep-alive bookkeeping need no lock: the
    /// connecting thread alone touches them until it starts the reader, the reader alone after
    /// that, and a new connection first joins the last one's reader. The reader sends through
    /// the <see cref="MqttTransmitter"/> (under its write lock) and sees what other threads
    /// change (a stop, the publish in flight, a waiting Subscribe) only through
    /// <see cref="MqttConnectionState"/>, never holding that lock across I/O or a handler call.
    /// </remarks>
    internal sealed class MqttReceiver
    {
        // The reader wakes at least this often to check deadlines set by other threads.
        private const int PollMilliseconds = 1000;

        private readonly INetworkChannel _channel;
        private readonly IMqttClientHandler _handler;
        private readonly IMonotonicClock _clock;
        private readonly MqttConnectionState _state;
        private readonly MqttTransmitter _transmitter;
        private readonly byte[] _receiveBuffer;
        private readonly char[] _topicChars;
        private readonly MqttPacket _packet = new MqttPacket();

        private int _receiveStart;
        private int _receiveEnd;
        private int _skipRemaining;
        private long _lastReceived;

        // Cleared by any byte received: whatever the server sends answers the question a PINGREQ asks.
        private bool _pingOutstanding;
        private int _keepAliveMilliseconds;

        /// <summary>Creates the read side; its buffers are allocated here, once.</summary>
        /// <param name="channel">The byte stream from the server.</param>
        /// <param name="handler">Receives messages, acknowledgments and connection loss.</param>
        /// <param name="clock">Clock for every deadline.</param>
        /// <param name="state">The state shared with the client and its transmitter.</param>
        /// <param name="transmitter">Sends the PUBACKs and PINGREQs.</param>
        /// <param name="maxPacketSize">Size of the receive buffer: the largest packet accepted.</param>
        internal MqttReceiver(INetworkChannel channel, IMqttClientHandler handler, IMonotonicClock clock, MqttConnectionState state, MqttTransmitter transmitter, int maxPacketSize)
        {
            _channel = channel;
            _handler = handler;
            _clock = clock;
            _state = state;
            _transmitter = transmitter;
            _receiveBuffer = new byte[maxPacketSize];
            _topicChars = new char[maxPacketSize < MqttClient.MaxTopicChars ? maxPacketSize : MqttClient.MaxTopicChars];
        }

        /// <summary>Where a lost connection is logged; never null.</summary>
        internal Logger Log { get; set; }

        /// <summary>
        /// Reads the CONNACK on the connecting thread; the channel is closed if it does not come,
        /// or refuses the connection. Bytes after it are left to the reader.
        /// </summary>
        /// <exception cref="MqttConnectException">The server refused the connection.</exception>
        /// <exception cref="MqttProtocolException">The reply is not a valid CONNACK.</exception>
        /// <exception cref="TimeoutException">No CONNACK by <paramref name="deadline"/>.</exception>
        internal void ReadConnAck(long deadline)
        {
            try
            {
                ReadConnAckPacket(deadline);
            }
            catch (Exception)
            {
                _channel.Close();
                throw;
            }
        }

        /// <summary>Marks the connection up and starts its reader thread.</summary>
        /// <param name="keepAliveSeconds">The keep-alive sent in CONNECT; 0 turns the keep-alive deadlines off.</param>
        internal void Start(ushort keepAliveSeconds)
        {
            _keepAliveMilliseconds = keepAliveSeconds * 1000;
            _lastReceived = _clock.ElapsedMilliseconds;
            _pingOutstanding = false;
            _state.Connected(new Thread(ReadLoop));
        }

        private void ReadConnAckPacket(long deadline)
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

            _receiveStart = length;
        }

        private void ReadLoop()
        {
            Exception reason = null;
            try
            {
                ProcessReceived();
                while (!_state.IsStopping)
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

        private void EndConnection(Exception reason)
        {
            bool report = _state.ReaderEnded(ref reason);
            _channel.Close();
            if (report)
            {
                if (Logger.WarningEnabled)
                {
                    Log.Write(LogLevel.Warning, "MQTT connection lost: " + reason.Message);
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
                        Log.Write(LogLevel.Error, "MQTT OnConnectionLost failed: " + e.Message);
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
            while (!_state.IsStopping)
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
                        _transmitter.SendPubAck(packet.PacketId);
                    }

                    break;
                case MqttPacketType.PubAck:
                    // Otherwise a stray PUBACK (a broker bug, or a message given up on): nothing to do.
                    if (_state.Acknowledge(packet.PacketId))
                    {
                        _handler.OnPublishAcknowledged(packet.PacketId);
                    }

                    break;
                case MqttPacketType.SubAck:
                    if (packet.ReturnCodeCount != 1)
                    {
                        throw new MqttProtocolException("SUBACK has more than one return code for a SUBSCRIBE with one topic filter");
                    }

                    _state.SubAckReceived(packet.PacketId, packet.ReturnCode);
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
                long lastSent = _state.LastSent;

                // Also when only the server has been quiet: a client that publishes QoS 0
                // all the time would otherwise never ping, and the dead-link rule would fire.
                if (!_pingOutstanding)
                {
                    long due = Earlier(lastSent, _lastReceived) + _keepAliveMilliseconds;
                    if (now >= due)
                    {
                        _transmitter.SendPingReq();
                        _pingOutstanding = true;
                    }
                    else
                    {
                        next = Earlier(next, due);
                    }
                }
            }

            next = _state.CheckPubAckDeadline(now, next);
            return (int)(next - now);
        }

        private static long Earlier(long a, long b)
        {
            return a < b ? a : b;
        }
    }
}
