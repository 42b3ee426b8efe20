using System;
using System.IO;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// MQTT 3.1.1 client over an <see cref="INetworkChannel"/>: clean session, QoS 0 and 1,
    /// at most one QoS 1 publish in flight. Buffers are allocated once, when it is created.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Threads: <see cref="Connect"/>, <see cref="Subscribe"/>, <see cref="Publish"/> and
    /// <see cref="Disconnect"/> run on the caller's thread. While connected, one reader thread
    /// (<see cref="MqttReceiver"/>) reads the channel, calls the handler and keeps the
    /// deadlines, a QoS 1 publish without a PUBACK in time among them. It is never resent on the same
    /// connection: against a slow or throttling IoT Hub a resend would be a second, billed copy,
    /// so the owner reconnects and publishes again on the new connection. Every channel write,
    /// from either thread, goes through the <see cref="MqttTransmitter"/> under its write lock,
    /// so packets never interleave. Connect and Disconnect belong to one owner and are not called
    /// concurrently with each other. Of the handler's callbacks, only
    /// <see cref="IMqttClientHandler.OnConnectionLost"/> may call Connect; any may call
    /// Publish or Disconnect.
    /// </para>
    /// <para>
    /// Locks: the write lock is taken before the state lock (<see cref="MqttConnectionState"/>),
    /// never after it, and the state lock is never held across channel I/O or a handler call.
    /// </para>
    /// </remarks>
    internal sealed class MqttClient
    {
        // A whole fixed header (1 + 4 bytes) must fit, or the reader could not tell a packet's size.
        private const int MinPacketSize = 5;

        /// <summary>
        /// Longest topic delivered to the handler, in UTF-8 bytes. IoT Hub's twin topics are under
        /// 100; a buffer the size of a packet would cost a device kilobytes for nothing.
        /// </summary>
        internal const int MaxTopicChars = 512;

        private readonly INetworkChannel _channel;
        private readonly IMonotonicClock _clock;
        private readonly MqttConnectionState _state = new MqttConnectionState();
        private readonly MqttTransmitter _transmitter;
        private readonly MqttReceiver _receiver;
        private Logger _log = new Logger(null);

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
            _clock = clock;
            _transmitter = new MqttTransmitter(channel, clock, _state, maxPacketSize, transmitBufferSize);
            _receiver = new MqttReceiver(channel, handler, clock, _state, _transmitter, maxPacketSize);
            _receiver.Log = _log;
        }

        /// <summary>Where the client logs connection events; no sink by default.</summary>
        internal Logger Log
        {
            get
            {
                return _log;
            }

            set
            {
                _log = value == null ? new Logger(null) : value;
                _receiver.Log = _log;
            }
        }

        /// <summary>How long a QoS 1 publish waits for its PUBACK before the link is declared lost. Default 10,000.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
        internal int PubAckTimeoutMilliseconds
        {
            get
            {
                return _state.PubAckTimeoutMilliseconds;
            }

            set
            {
                if (value <= 0)
                {
                    throw new ArgumentOutOfRangeException("value");
                }

                _state.PubAckTimeoutMilliseconds = value;
            }
        }

        /// <summary>True from a successful <see cref="Connect"/> until the connection is lost or closed.</summary>
        internal bool IsConnected => _state.IsConnected;

        /// <summary>True while a QoS 1 publish waits for its PUBACK.</summary>
        internal bool HasPublishInFlight => _state.HasPublishInFlight;

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
            Thread previous = _state.CheckCanConnect();

            // The last connection's reader may still be returning from OnConnectionLost, or
            // from a handler that called Disconnect.
            if (previous != null && previous != Thread.CurrentThread)
            {
                previous.Join();
            }

            _transmitter.Open(host, port, clientId, username, password, keepAliveSeconds);
            _receiver.ReadConnAck(deadline);
            _receiver.Start(keepAliveSeconds);
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

            _transmitter.SendSubscribe(topicFilter, qos);
            int code = _state.AwaitSubAck(timeoutMilliseconds);
            if (code == MqttConnectionState.SubAckPending)
            {
                throw new TimeoutException("no SUBACK within " + timeoutMilliseconds.ToString() + " ms");
            }

            if (code == MqttConnectionState.SubAckLost)
            {
                throw new IOException("the connection ended before the SUBACK arrived");
            }

            if (code == MqttConnectionState.SubAckFailure)
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
            return _transmitter.Publish(topic, payload, offset, count, qos);
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

            return _transmitter.PublishFrom(topic, source);
        }

        /// <summary>
        /// Sends DISCONNECT if connected, closes the channel and stops the reader thread (and
        /// waits for it, unless called on it). No <see cref="IMqttClientHandler.OnConnectionLost"/> follows.
        /// </summary>
        internal void Disconnect()
        {
            Thread reader;
            bool wasConnected = _state.Close(out reader);
            if (wasConnected)
            {
                _transmitter.SendDisconnect();
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
    }
}
