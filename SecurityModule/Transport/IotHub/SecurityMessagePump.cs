using System;

namespace NanoSecurity
{
    /// <summary>
    /// Delivers the offline cache in order: publishes the oldest cached message at QoS 1,
    /// copied from the cache straight into the MQTT client's packet, and removes it from the
    /// cache only when its PUBACK arrives, one at a time so that order is kept across reconnects.
    /// </summary>
    /// <remarks>
    /// The session thread publishes (<see cref="PublishOldest"/>, and the copy the client asks
    /// for while it does); the client's reader thread acknowledges, and ends the message in
    /// flight when the link is lost, so that it goes again, first, on the next connection. The
    /// message in flight is under <c>_sync</c>, which is never held across a call to the client.
    /// </remarks>
    internal sealed class SecurityMessagePump : IMqttPayloadSource
    {
        private readonly MqttClient _client;
        private readonly IotHubConnection _connection;
        private readonly OutboundQueue _queue;
        private readonly MessageStatistics _messages;
        private readonly string _topic;
        private readonly object _sync = new object();

        private bool _inFlight;
        private uint _inFlightSequence;
        private int _inFlightLength;

        /// <summary>Creates the pump; nothing is sent until <see cref="PublishOldest"/>.</summary>
        /// <param name="client">The session's MQTT client.</param>
        /// <param name="connection">Says whether the link is up.</param>
        /// <param name="queue">The offline cache.</param>
        /// <param name="messages">Counts the messages delivered.</param>
        /// <param name="topic">The telemetry topic.</param>
        internal SecurityMessagePump(MqttClient client, IotHubConnection connection, OutboundQueue queue, MessageStatistics messages, string topic)
        {
            _client = client;
            _connection = connection;
            _queue = queue;
            _messages = messages;
            _topic = topic;
        }

        /// <summary>Publishes the oldest cached message, unless one is in flight or the link is down.</summary>
        internal void PublishOldest()
        {
            lock (_sync)
            {
                if (_inFlight)
                {
                    return;
                }
            }

            if (!_connection.IsConnected)
            {
                return;
            }

            try
            {
                _client.PublishFrom(_topic, this);
            }
            catch (Exception)
            {
                // The client reports the lost link through OnConnectionLost; the message stays cached.
                LinkEnded();
            }
        }

        /// <summary>The PUBACK of the message in flight: it leaves the cache.</summary>
        internal void Acknowledged()
        {
            lock (_sync)
            {
                if (_inFlight)
                {
                    // False when the cache already dropped it to make room: that loss is counted there.
                    if (_queue.RemoveIfOldest(_inFlightSequence))
                    {
                        _messages.AddSent(_inFlightLength);
                    }

                    _inFlight = false;
                }
            }
        }

        /// <summary>The link ended: no PUBACK will come, and the message in flight stays cached.</summary>
        internal void LinkEnded()
        {
            lock (_sync)
            {
                _inFlight = false;
            }
        }

        int IMqttPayloadSource.CopyPayload(byte[] destination, int offset, int capacity)
        {
            uint sequence;
            int length = _queue.CopyOldest(destination, offset, capacity, out sequence);
            if (length > 0)
            {
                // In flight before the client sends it: the PUBACK may come before PublishFrom returns.
                lock (_sync)
                {
                    _inFlight = true;
                    _inFlightSequence = sequence;
                    _inFlightLength = length;
                }
            }

            return length;
        }
    }
}
