using System;

namespace NanoSecurity
{
    /// <summary>
    /// What <see cref="MqttClient"/> reports. Every call comes from the client's reader thread.
    /// An exception thrown by the first two ends the connection and comes back as
    /// <see cref="OnConnectionLost"/>; one thrown by that is logged and dropped.
    /// </summary>
    internal interface IMqttClientHandler
    {
        /// <summary>
        /// An incoming PUBLISH (QoS 0 or 1). For QoS 1 the client sends the PUBACK itself,
        /// after this returns.
        /// </summary>
        /// <param name="topic">Topic name.</param>
        /// <param name="payload">The client's receive buffer, reused once this returns: copy what you keep.</param>
        /// <param name="offset">Index of the payload in <paramref name="payload"/>.</param>
        /// <param name="count">Payload bytes.</param>
        void OnMessageReceived(string topic, byte[] payload, int offset, int count);

        /// <summary>
        /// A QoS 0 PUBLISH larger than the receive buffer arrived and was skipped unread, or a
        /// PUBLISH whose topic is longer than <see cref="MqttClient.MaxTopicChars"/> was skipped
        /// (and acknowledged, at QoS 1); the connection stays up. (A QoS 1 PUBLISH larger than the
        /// receive buffer, which could not be acknowledged, ends the connection instead.)
        /// </summary>
        /// <param name="bytes">Size of the whole packet.</param>
        void OnMessageTooLarge(int bytes);

        /// <summary>The server acknowledged our QoS 1 publish: its owner may let it go.</summary>
        /// <param name="packetId">The identifier <see cref="MqttClient.Publish"/> returned.</param>
        void OnPublishAcknowledged(ushort packetId);

        /// <summary>
        /// The connection failed; the channel is already closed and nothing is in flight any
        /// more. Called once per connection, never after <see cref="MqttClient.Disconnect"/>.
        /// </summary>
        /// <param name="reason">
        /// What ended it: the channel's exception, <see cref="MqttProtocolException"/> for a bad
        /// packet, or <see cref="TimeoutException"/> for a dead link or a publish never acknowledged.
        /// </param>
        void OnConnectionLost(Exception reason);
    }
}
