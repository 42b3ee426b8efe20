namespace NanoSecurity
{
    /// <summary>
    /// One decoded incoming packet. The client keeps a single instance that
    /// <see cref="MqttPacketReader.Decode"/> overwrites, so decoding allocates nothing; topic and
    /// payload stay in the receive buffer and are given as offsets into it.
    /// </summary>
    internal sealed class MqttPacket
    {
        /// <summary>The packet type.</summary>
        internal MqttPacketType Type;

        /// <summary>Bytes of the whole packet, fixed header included.</summary>
        internal int Length;

        /// <summary>Packet identifier of PUBACK, SUBACK and QoS 1 PUBLISH; 0 otherwise.</summary>
        internal ushort PacketId;

        /// <summary>CONNACK return code, or the first (only) return code of a SUBACK.</summary>
        internal int ReturnCode;

        /// <summary>Number of return codes of a SUBACK: one per topic filter subscribed.</summary>
        internal int ReturnCodeCount;

        /// <summary>CONNACK session present flag.</summary>
        internal bool SessionPresent;

        /// <summary>PUBLISH QoS, 0 or 1.</summary>
        internal int Qos;

        /// <summary>PUBLISH DUP flag: the server may have sent this message before.</summary>
        internal bool Duplicate;

        /// <summary>PUBLISH RETAIN flag.</summary>
        internal bool Retain;

        /// <summary>Index of the PUBLISH topic's UTF-8 bytes in the buffer.</summary>
        internal int TopicOffset;

        /// <summary>Bytes of the PUBLISH topic.</summary>
        internal int TopicLength;

        /// <summary>Index of the PUBLISH payload in the buffer.</summary>
        internal int PayloadOffset;

        /// <summary>Bytes of the PUBLISH payload.</summary>
        internal int PayloadCount;
    }
}
