namespace NanoSecurity
{
    /// <summary>
    /// MQTT 3.1.1 control packet types: the high nibble of the first byte of every packet.
    /// </summary>
    internal enum MqttPacketType
    {
        /// <summary>Client request to connect.</summary>
        Connect = 1,

        /// <summary>Connect acknowledgment.</summary>
        ConnAck = 2,

        /// <summary>Application message.</summary>
        Publish = 3,

        /// <summary>QoS 1 publish acknowledgment.</summary>
        PubAck = 4,

        /// <summary>QoS 2 publish received, part 1.</summary>
        PubRec = 5,

        /// <summary>QoS 2 publish release, part 2.</summary>
        PubRel = 6,

        /// <summary>QoS 2 publish complete, part 3.</summary>
        PubComp = 7,

        /// <summary>Client subscribe request.</summary>
        Subscribe = 8,

        /// <summary>Subscribe acknowledgment.</summary>
        SubAck = 9,

        /// <summary>Client unsubscribe request.</summary>
        Unsubscribe = 10,

        /// <summary>Unsubscribe acknowledgment.</summary>
        UnsubAck = 11,

        /// <summary>Ping request.</summary>
        PingReq = 12,

        /// <summary>Ping response.</summary>
        PingResp = 13,

        /// <summary>Client is disconnecting.</summary>
        Disconnect = 14,
    }
}
