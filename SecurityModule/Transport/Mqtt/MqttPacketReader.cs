namespace NanoSecurity
{
    /// <summary>
    /// Validates and decodes the packets a client receives, in place in the receive buffer.
    /// Pure functions: no state, no allocation except the exception for a bad packet.
    /// </summary>
    /// <remarks>
    /// Everything a 3.1.1 server may send this client is accepted and everything else is a
    /// <see cref="MqttProtocolException"/>: packets only clients send, QoS 2 packets (this
    /// client neither publishes nor subscribes at QoS 2) and UNSUBACK (it never unsubscribes).
    /// </remarks>
    internal static class MqttPacketReader
    {
        /// <summary>Largest remaining length the four-byte encoding holds.</summary>
        internal const int MaxRemainingLength = 268435455;

        private const int MaxRemainingLengthBytes = 4;

        /// <summary>
        /// Decodes a remaining length. The spec does not forbid a longer encoding than needed,
        /// so one is accepted as long as it fits four bytes.
        /// </summary>
        /// <param name="buffer">Source.</param>
        /// <param name="offset">Index of the first length byte.</param>
        /// <param name="count">Bytes available from <paramref name="offset"/>.</param>
        /// <param name="value">The length, when complete.</param>
        /// <returns>Bytes of the encoding (1 to 4); 0 when more bytes are needed.</returns>
        /// <exception cref="MqttProtocolException">A fourth byte still has its continuation bit set.</exception>
        internal static int ReadRemainingLength(byte[] buffer, int offset, int count, out int value)
        {
            value = 0;
            int shift = 0;
            for (int i = 0; i < MaxRemainingLengthBytes; i++)
            {
                if (i == count)
                {
                    value = 0;
                    return 0;
                }

                int b = buffer[offset + i];
                value |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return i + 1;
                }

                shift += 7;
            }

            value = 0;
            throw new MqttProtocolException("remaining length runs past four bytes");
        }

        /// <summary>
        /// Checks the fixed header at <paramref name="offset"/> and says how long the packet is,
        /// so that a reader knows when it has all of it. A packet that cannot be valid is
        /// refused here, before the reader waits for its body.
        /// </summary>
        /// <param name="buffer">Source.</param>
        /// <param name="offset">Index of the packet's first byte.</param>
        /// <param name="count">Bytes available from <paramref name="offset"/>.</param>
        /// <param name="maxPacketSize">Largest packet the receive buffer holds.</param>
        /// <returns>Bytes of the whole packet; 0 when the fixed header is not complete yet.</returns>
        /// <exception cref="MqttProtocolException">
        /// Unknown or unexpected type, wrong flag bits, bad remaining length, or a packet larger
        /// than <paramref name="maxPacketSize"/>.
        /// </exception>
        internal static int GetPacketLength(byte[] buffer, int offset, int count, int maxPacketSize)
        {
            int length = GetDeclaredLength(buffer, offset, count);
            if (length > maxPacketSize)
            {
                throw new MqttProtocolException(
                    "packet of " + length.ToString() + " bytes exceeds the receive buffer of "
                    + maxPacketSize.ToString() + " bytes");
            }

            return length;
        }

        /// <summary>
        /// Like <see cref="GetPacketLength"/> without the receive buffer's limit: the length the
        /// fixed header declares, for a reader that skips a packet too large to hold.
        /// </summary>
        /// <param name="buffer">Source.</param>
        /// <param name="offset">Index of the packet's first byte.</param>
        /// <param name="count">Bytes available from <paramref name="offset"/>.</param>
        /// <returns>Bytes of the whole packet; 0 when the fixed header is not complete yet.</returns>
        /// <exception cref="MqttProtocolException">Unknown or unexpected type, wrong flag bits or bad remaining length.</exception>
        internal static int GetDeclaredLength(byte[] buffer, int offset, int count)
        {
            if (count < 1)
            {
                return 0;
            }

            CheckFirstByte(buffer[offset]);
            int remaining;
            int lengthBytes = ReadRemainingLength(buffer, offset + 1, count - 1, out remaining);
            if (lengthBytes == 0)
            {
                return 0;
            }

            CheckRemainingLength((MqttPacketType)(buffer[offset] >> 4), remaining);
            return 1 + lengthBytes + remaining;
        }

        /// <summary>True when the first byte is that of a QoS 0 PUBLISH, which needs no answer and so can be skipped unread.</summary>
        internal static bool IsQos0Publish(byte first)
        {
            return (MqttPacketType)(first >> 4) == MqttPacketType.Publish && (first & 0x06) == 0;
        }

        /// <summary>Validates the complete packet at <paramref name="offset"/> and decodes it.</summary>
        /// <param name="buffer">Source; offsets in <paramref name="packet"/> index into it.</param>
        /// <param name="offset">Index of the packet's first byte.</param>
        /// <param name="count">Bytes available from <paramref name="offset"/>; later bytes are not looked at.</param>
        /// <param name="maxPacketSize">Largest packet the receive buffer holds.</param>
        /// <param name="packet">Overwritten with the packet.</param>
        /// <exception cref="MqttProtocolException">The packet is malformed, truncated, too large or not one a client may receive.</exception>
        internal static void Decode(byte[] buffer, int offset, int count, int maxPacketSize, MqttPacket packet)
        {
            int length = GetPacketLength(buffer, offset, count, maxPacketSize);
            if (length == 0 || length > count)
            {
                throw new MqttProtocolException("packet is truncated");
            }

            int first = buffer[offset];
            int remaining;
            int body = offset + 1 + ReadRemainingLength(buffer, offset + 1, count - 1, out remaining);
            int end = offset + length;

            packet.Type = (MqttPacketType)(first >> 4);
            packet.Length = length;
            packet.PacketId = 0;
            packet.ReturnCode = 0;
            packet.ReturnCodeCount = 0;
            packet.SessionPresent = false;
            packet.Qos = 0;
            packet.Duplicate = false;
            packet.Retain = false;
            packet.TopicOffset = 0;
            packet.TopicLength = 0;
            packet.PayloadOffset = 0;
            packet.PayloadCount = 0;

            switch (packet.Type)
            {
                case MqttPacketType.ConnAck:
                    DecodeConnAck(buffer, body, packet);
                    break;
                case MqttPacketType.Publish:
                    DecodePublish(buffer, first, body, end, packet);
                    break;
                case MqttPacketType.PubAck:
                    packet.PacketId = ReadPacketId(buffer, body);
                    break;
                case MqttPacketType.SubAck:
                    DecodeSubAck(buffer, body, end, packet);
                    break;
            }
        }

        private static void CheckFirstByte(int first)
        {
            int flags = first & 0x0F;
            switch ((MqttPacketType)(first >> 4))
            {
                case MqttPacketType.Publish:
                    int qos = (flags >> 1) & 0x03;
                    if (qos == 3)
                    {
                        throw new MqttProtocolException("PUBLISH with QoS 3");
                    }

                    if (qos == 2)
                    {
                        throw new MqttProtocolException("PUBLISH with QoS 2, which this client never subscribes with");
                    }

                    if (qos == 0 && (flags & 0x08) != 0)
                    {
                        throw new MqttProtocolException("PUBLISH with QoS 0 and the DUP flag");
                    }

                    return;
                case MqttPacketType.ConnAck:
                case MqttPacketType.PubAck:
                case MqttPacketType.SubAck:
                case MqttPacketType.PingResp:
                    if (flags != 0)
                    {
                        throw new MqttProtocolException("reserved fixed header flags are not 0");
                    }

                    return;
                case MqttPacketType.Connect:
                case MqttPacketType.Subscribe:
                case MqttPacketType.Unsubscribe:
                case MqttPacketType.PingReq:
                case MqttPacketType.Disconnect:
                    throw new MqttProtocolException("server sent a packet only a client may send (type " + (first >> 4).ToString() + ")");
                case MqttPacketType.PubRec:
                case MqttPacketType.PubRel:
                case MqttPacketType.PubComp:
                    throw new MqttProtocolException("QoS 2 packet, but this client never uses QoS 2 (type " + (first >> 4).ToString() + ")");
                case MqttPacketType.UnsubAck:
                    throw new MqttProtocolException("UNSUBACK, but this client never unsubscribes");
                default:
                    throw new MqttProtocolException("reserved packet type " + (first >> 4).ToString());
            }
        }

        private static void CheckRemainingLength(MqttPacketType type, int remaining)
        {
            switch (type)
            {
                case MqttPacketType.ConnAck:
                    if (remaining != 2)
                    {
                        throw new MqttProtocolException("CONNACK remaining length is not 2");
                    }

                    break;
                case MqttPacketType.PubAck:
                    if (remaining != 2)
                    {
                        throw new MqttProtocolException("PUBACK remaining length is not 2");
                    }

                    break;
                case MqttPacketType.SubAck:
                    if (remaining < 3)
                    {
                        throw new MqttProtocolException("SUBACK remaining length is below 3");
                    }

                    break;
                case MqttPacketType.PingResp:
                    if (remaining != 0)
                    {
                        throw new MqttProtocolException("PINGRESP remaining length is not 0");
                    }

                    break;
                default:
                    // Only PUBLISH is left after CheckFirstByte: topic length (2) and one topic byte at least.
                    if (remaining < 3)
                    {
                        throw new MqttProtocolException("PUBLISH remaining length is below 3");
                    }

                    break;
            }
        }

        private static void DecodeConnAck(byte[] buffer, int body, MqttPacket packet)
        {
            int acknowledgeFlags = buffer[body];
            if ((acknowledgeFlags & 0xFE) != 0)
            {
                throw new MqttProtocolException("CONNACK reserved acknowledge flags are not 0");
            }

            int returnCode = buffer[body + 1];
            if (returnCode > 5)
            {
                throw new MqttProtocolException("CONNACK return code " + returnCode.ToString() + " is not defined by MQTT 3.1.1");
            }

            packet.SessionPresent = acknowledgeFlags != 0;
            if (packet.SessionPresent && returnCode != 0)
            {
                throw new MqttProtocolException("CONNACK refuses the connection but says a session is present");
            }

            packet.ReturnCode = returnCode;
        }

        private static void DecodePublish(byte[] buffer, int first, int body, int end, MqttPacket packet)
        {
            packet.Qos = (first >> 1) & 0x03;
            packet.Duplicate = (first & 0x08) != 0;
            packet.Retain = (first & 0x01) != 0;

            int topicLength = (buffer[body] << 8) | buffer[body + 1];
            int topic = body + 2;
            int idLength = packet.Qos == 0 ? 0 : 2;
            if (topicLength == 0)
            {
                throw new MqttProtocolException("PUBLISH topic is empty");
            }

            if (topicLength > end - topic - idLength)
            {
                throw new MqttProtocolException("PUBLISH topic runs past the end of the packet");
            }

            for (int i = topic; i < topic + topicLength; i++)
            {
                if (buffer[i] == '+' || buffer[i] == '#')
                {
                    throw new MqttProtocolException("PUBLISH topic contains a wildcard");
                }
            }

            MqttUtf8.Decode(buffer, topic, topicLength, null);
            int payload = topic + topicLength;
            if (idLength != 0)
            {
                packet.PacketId = ReadPacketId(buffer, payload);
                payload += idLength;
            }

            packet.TopicOffset = topic;
            packet.TopicLength = topicLength;
            packet.PayloadOffset = payload;
            packet.PayloadCount = end - payload;
        }

        private static void DecodeSubAck(byte[] buffer, int body, int end, MqttPacket packet)
        {
            packet.PacketId = ReadPacketId(buffer, body);
            for (int i = body + 2; i < end; i++)
            {
                int code = buffer[i];
                if (code > 2 && code != 0x80)
                {
                    throw new MqttProtocolException("SUBACK return code " + code.ToString() + " is not defined by MQTT 3.1.1");
                }
            }

            packet.ReturnCode = buffer[body + 2];
            packet.ReturnCodeCount = end - body - 2;
        }

        private static ushort ReadPacketId(byte[] buffer, int offset)
        {
            int id = (buffer[offset] << 8) | buffer[offset + 1];
            if (id == 0)
            {
                throw new MqttProtocolException("packet identifier is 0");
            }

            return (ushort)id;
        }
    }
}
