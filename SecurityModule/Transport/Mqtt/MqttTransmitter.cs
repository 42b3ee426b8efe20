using System;

namespace NanoSecurity
{
    /// <summary>
    /// The write side of an <see cref="MqttClient"/>: encodes every packet sent into its transmit
    /// buffer, or a QoS 1 PUBLISH into its publish buffer, and writes it to the channel.
    /// </summary>
    /// <remarks>
    /// Any thread: the owner's (CONNECT, SUBSCRIBE, DISCONNECT), the publishing threads
    /// (PUBLISH) and the reader thread (PUBACK, PINGREQ). Every write, and the encoding before
    /// it, holds the write lock, so packets never interleave and the buffers have one user at a
    /// time; the publish buffer's extent is guarded by it too. What the other threads must see
    /// (packet identifiers, the publish in flight, the last write and its failure) is in
    /// <see cref="MqttConnectionState"/>, whose lock is taken after the write lock, never before.
    /// </remarks>
    internal sealed class MqttTransmitter
    {
        private readonly INetworkChannel _channel;
        private readonly IMonotonicClock _clock;
        private readonly MqttConnectionState _state;
        private readonly byte[] _transmitBuffer;
        private readonly byte[] _publishBuffer;
        private readonly object _writeLock = new object();

        // The QoS 1 packet in the publish buffer starts at _publishStart.
        private int _publishStart;
        private int _publishLength;

        // The last topic PublishFrom sent to, and its UTF-8: a publisher's topic is one string
        // object for its whole life, so it is encoded once (see MqttPacketWriter.EncodeTopicName).
        private string _lastTopic;
        private byte[] _lastTopicName;

        /// <summary>Creates the write side; its buffers are allocated here, once.</summary>
        /// <param name="channel">The byte stream to the server.</param>
        /// <param name="clock">Clock of the publish and last-write times.</param>
        /// <param name="state">The state shared with the client and its reader.</param>
        /// <param name="publishBufferSize">Size of the publish buffer: the largest QoS 1 PUBLISH.</param>
        /// <param name="transmitBufferSize">Size of the buffer of every other packet.</param>
        internal MqttTransmitter(INetworkChannel channel, IMonotonicClock clock, MqttConnectionState state, int publishBufferSize, int transmitBufferSize)
        {
            _channel = channel;
            _clock = clock;
            _state = state;
            _transmitBuffer = new byte[transmitBufferSize];
            _publishBuffer = new byte[publishBufferSize];
        }

        /// <summary>
        /// Opens the channel and sends CONNECT (clean session); the shared state forgets the last
        /// connection. The channel is closed again if either fails.
        /// </summary>
        /// <exception cref="ArgumentException">An argument CONNECT cannot carry; thrown before the channel is opened.</exception>
        internal void Open(string host, int port, string clientId, string username, string password, ushort keepAliveSeconds)
        {
            lock (_writeLock)
            {
                // Encoded first: bad arguments throw before a connection is opened.
                int length = MqttPacketWriter.WriteConnect(_transmitBuffer, clientId, username, password, keepAliveSeconds);
                _state.Reset();
                try
                {
                    _channel.Connect(host, port);
                    Send(_transmitBuffer, 0, length);
                }
                catch (Exception)
                {
                    _channel.Close();
                    throw;
                }
            }
        }

        /// <summary>Sends a SUBSCRIBE of one topic filter, and leaves it waiting for its SUBACK in the shared state.</summary>
        /// <exception cref="InvalidOperationException">Not connected, on the reader thread, or another Subscribe is waiting.</exception>
        internal void SendSubscribe(string topicFilter, int qos)
        {
            lock (_writeLock)
            {
                ushort id = _state.NextSubscribeId();
                int length = MqttPacketWriter.WriteSubscribe(_transmitBuffer, id, topicFilter, qos);
                _state.SubscribePending(id);
                try
                {
                    Send(_transmitBuffer, 0, length);
                }
                catch (Exception)
                {
                    _state.SubscribeEnded();
                    throw;
                }
            }
        }

        /// <summary>Sends a PUBLISH; one of QoS 1 is in flight from before it is written.</summary>
        /// <returns>The packet identifier of a QoS 1 publish; 0 for QoS 0.</returns>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        internal ushort Publish(string topic, byte[] payload, int offset, int count, int qos)
        {
            lock (_writeLock)
            {
                if (qos != 1)
                {
                    _state.CheckConnected();
                    Send(_transmitBuffer, 0, MqttPacketWriter.WritePublish(_transmitBuffer, topic, payload, offset, count, qos, 0, false));
                    return 0;
                }

                ushort id = _state.NextPublishId();
                _publishStart = 0;
                _publishLength = MqttPacketWriter.WritePublish(_publishBuffer, topic, payload, offset, count, 1, id, false);
                SendInFlight(id);
                return id;
            }
        }

        /// <summary>Sends a QoS 1 PUBLISH whose payload <paramref name="source"/> copies into the publish buffer.</summary>
        /// <returns>The packet identifier; 0 when the source had nothing to send.</returns>
        /// <exception cref="InvalidOperationException">Not connected, or a QoS 1 publish is still in flight.</exception>
        internal ushort PublishFrom(string topic, IMqttPayloadSource source)
        {
            lock (_writeLock)
            {
                _state.CheckCanPublishQos1();
                if (!ReferenceEquals(topic, _lastTopic))
                {
                    _lastTopicName = MqttPacketWriter.EncodeTopicName(topic);
                    _lastTopic = topic;
                }

                byte[] topicName = _lastTopicName;
                int payloadOffset = MqttPacketWriter.PublishPayloadOffset(topicName, _publishBuffer.Length);
                int count = source.CopyPayload(_publishBuffer, payloadOffset, _publishBuffer.Length - payloadOffset);
                if (count == 0)
                {
                    return 0;
                }

                ushort id = _state.NextPacketId();
                _publishStart = MqttPacketWriter.WritePublishHeader(_publishBuffer, payloadOffset, count, topicName, id);
                _publishLength = payloadOffset + count - _publishStart;
                SendInFlight(id);
                return id;
            }
        }

        /// <summary>Acknowledges a received QoS 1 PUBLISH.</summary>
        internal void SendPubAck(ushort packetId)
        {
            lock (_writeLock)
            {
                Send(_transmitBuffer, 0, MqttPacketWriter.WritePubAck(_transmitBuffer, packetId));
            }
        }

        /// <summary>Asks the server whether the link is alive.</summary>
        internal void SendPingReq()
        {
            lock (_writeLock)
            {
                Send(_transmitBuffer, 0, MqttPacketWriter.WritePingReq(_transmitBuffer));
            }
        }

        /// <summary>Sends DISCONNECT; a failure is ignored.</summary>
        internal void SendDisconnect()
        {
            lock (_writeLock)
            {
                try
                {
                    Send(_transmitBuffer, 0, MqttPacketWriter.WriteDisconnect(_transmitBuffer));
                }
                catch (Exception)
                {
                    // The channel is closed next either way; a lost DISCONNECT only makes
                    // the server see a dropped connection instead of a clean one.
                }
            }
        }

        // Under the write lock.
        private void SendInFlight(ushort id)
        {
            _state.PublishInFlight(id, _clock.ElapsedMilliseconds);
            Send(_publishBuffer, _publishStart, _publishLength);
        }

        // Under the write lock. A failed write closes the channel, so that the reader stops
        // and reports this failure rather than the read error it causes.
        private void Send(byte[] packet, int offset, int length)
        {
            try
            {
                _channel.Write(packet, offset, length);
            }
            catch (Exception e)
            {
                _state.WriteFailed(e);
                _channel.Close();
                throw;
            }

            _state.Sent(_clock.ElapsedMilliseconds);
        }
    }
}
