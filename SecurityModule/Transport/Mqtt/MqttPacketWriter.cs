using System;

namespace NanoSecurity
{
    /// <summary>
    /// Encodes the packets a client sends into a caller's buffer, from index 0. Pure functions:
    /// strings are encoded straight into the buffer and nothing is allocated.
    /// </summary>
    /// <remarks>
    /// Every method checks its arguments and the size first and throws before writing, so a
    /// packet that does not fit leaves no partial packet behind.
    /// </remarks>
    internal static class MqttPacketWriter
    {
        /// <summary>Bit of the first PUBLISH byte that marks a resend.</summary>
        internal const byte DuplicateFlag = 0x08;

        private const int ProtocolLevel = 4;
        private const int CleanSessionFlag = 0x02;
        private const int PasswordFlag = 0x40;
        private const int UserNameFlag = 0x80;
        private const int MaxStringBytes = 65535;

        /// <summary>Writes CONNECT: protocol level 4 (3.1.1), clean session.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="clientId">Client identifier; empty lets the server pick one.</param>
        /// <param name="userName">User name, or null for none.</param>
        /// <param name="password">Password, or null for none; needs a user name.</param>
        /// <param name="keepAliveSeconds">Keep-alive interval; 0 turns keep-alive off.</param>
        /// <returns>Bytes written.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="clientId"/> is null.</exception>
        /// <exception cref="ArgumentException">A password without user name, a string that is not valid for MQTT, or the packet does not fit.</exception>
        internal static int WriteConnect(byte[] buffer, string clientId, string userName, string password, ushort keepAliveSeconds)
        {
            if (clientId == null)
            {
                throw new ArgumentNullException("clientId");
            }

            if (password != null && userName == null)
            {
                throw new ArgumentException("MQTT 3.1.1 sends a password only with a user name");
            }

            int clientIdBytes = StringByteCount(clientId);
            int userNameBytes = userName == null ? 0 : StringByteCount(userName);
            int passwordBytes = password == null ? 0 : StringByteCount(password);

            // Protocol name (6), level (1), flags (1), keep-alive (2), then the payload strings.
            int remaining = 10 + 2 + clientIdBytes;
            int flags = CleanSessionFlag;
            if (userName != null)
            {
                remaining += 2 + userNameBytes;
                flags |= UserNameFlag;
            }

            if (password != null)
            {
                remaining += 2 + passwordBytes;
                flags |= PasswordFlag;
            }

            int index = WriteFixedHeader(buffer, (int)MqttPacketType.Connect << 4, remaining);
            buffer[index++] = 0;
            buffer[index++] = 4;
            buffer[index++] = (byte)'M';
            buffer[index++] = (byte)'Q';
            buffer[index++] = (byte)'T';
            buffer[index++] = (byte)'T';
            buffer[index++] = ProtocolLevel;
            buffer[index++] = (byte)flags;
            index = WriteUInt16(buffer, index, keepAliveSeconds);
            index = WriteString(buffer, index, clientId, clientIdBytes);
            if (userName != null)
            {
                index = WriteString(buffer, index, userName, userNameBytes);
            }

            if (password != null)
            {
                index = WriteString(buffer, index, password, passwordBytes);
            }

            return index;
        }

        /// <summary>Writes PUBLISH, RETAIN clear.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="topic">Topic name: not empty, no wildcards.</param>
        /// <param name="payload">Array holding the payload; may be null when <paramref name="count"/> is 0.</param>
        /// <param name="offset">Index of the payload in <paramref name="payload"/>.</param>
        /// <param name="count">Payload bytes.</param>
        /// <param name="qos">0 or 1.</param>
        /// <param name="packetId">Packet identifier for QoS 1 (not 0); ignored for QoS 0.</param>
        /// <param name="duplicate">Sets DUP: this is a resend (QoS 1 only).</param>
        /// <returns>Bytes written.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="topic"/> is null, or the payload with a count.</exception>
        /// <exception cref="ArgumentOutOfRangeException">QoS, packet identifier or payload range is out of range.</exception>
        /// <exception cref="ArgumentException">The topic is not a valid topic name, or the packet does not fit.</exception>
        internal static int WritePublish(byte[] buffer, string topic, byte[] payload, int offset, int count, int qos, ushort packetId, bool duplicate)
        {
            if (topic == null)
            {
                throw new ArgumentNullException("topic");
            }

            if (qos != 0 && qos != 1)
            {
                throw new ArgumentOutOfRangeException("qos");
            }

            if (qos == 1 && packetId == 0)
            {
                throw new ArgumentOutOfRangeException("packetId");
            }

            if (qos == 0 && duplicate)
            {
                throw new ArgumentException("DUP is for QoS 1 resends only");
            }

            CheckRange(payload, offset, count);
            int topicBytes = TopicNameByteCount(topic);
            int remaining = 2 + topicBytes + (qos == 1 ? 2 : 0) + count;
            int first = ((int)MqttPacketType.Publish << 4) | (qos << 1) | (duplicate ? DuplicateFlag : 0);
            int index = WriteFixedHeader(buffer, first, remaining);
            index = WriteString(buffer, index, topic, topicBytes);
            if (qos == 1)
            {
                index = WriteUInt16(buffer, index, packetId);
            }

            if (count > 0)
            {
                Array.Copy(payload, offset, buffer, index, count);
            }

            return index + count;
        }

        /// <summary>
        /// A topic name in UTF-8, checked as <see cref="WritePublish"/> checks it. A publisher that
        /// sends to one topic again and again encodes it once and passes the bytes to
        /// <see cref="PublishPayloadOffset"/> and <see cref="WritePublishHeader"/>: on nanoCLR,
        /// which stores strings as UTF-8, every <c>s[i]</c> walks the string from its start, so
        /// encoding a topic of a few hundred characters on every publish is the costly part.
        /// </summary>
        /// <param name="topic">Topic name.</param>
        /// <returns>Its UTF-8 bytes, in an array of their length.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="topic"/> is null.</exception>
        /// <exception cref="ArgumentException">The topic is not a valid topic name.</exception>
        internal static byte[] EncodeTopicName(string topic)
        {
            var bytes = new byte[TopicNameByteCount(topic)];
            MqttUtf8.Write(topic, bytes, 0);
            return bytes;
        }

        /// <summary>
        /// Where the payload of a QoS 1 PUBLISH to <paramref name="topicName"/> goes so that
        /// <see cref="WritePublishHeader"/> can write the header in front of it, for any payload
        /// that fits a packet of <paramref name="maxPacketSize"/> bytes. Lets a caller copy the
        /// payload straight into the packet buffer before it knows its length.
        /// </summary>
        /// <param name="topicName">Topic name from <see cref="EncodeTopicName"/>.</param>
        /// <param name="maxPacketSize">Size of the packet buffer.</param>
        /// <returns>Index of the payload's first byte.</returns>
        internal static int PublishPayloadOffset(byte[] topicName, int maxPacketSize)
        {
            return 1 + RemainingLengthSize(maxPacketSize) + 2 + topicName.Length + 2;
        }

        /// <summary>
        /// Writes the header of a QoS 1 PUBLISH so that it ends where its payload already is; the
        /// packet then runs from the returned index to the payload's end, byte for byte what
        /// <see cref="WritePublish"/> would write.
        /// </summary>
        /// <param name="buffer">Holds the payload at <paramref name="payloadOffset"/>.</param>
        /// <param name="payloadOffset">Index of the payload, e.g. from <see cref="PublishPayloadOffset"/>.</param>
        /// <param name="payloadCount">Payload bytes.</param>
        /// <param name="topicName">Topic name from <see cref="EncodeTopicName"/>.</param>
        /// <param name="packetId">Packet identifier, not 0.</param>
        /// <returns>Index of the packet's first byte.</returns>
        /// <exception cref="ArgumentOutOfRangeException">The packet identifier or the payload range is out of range.</exception>
        /// <exception cref="ArgumentException">The header does not fit before the payload.</exception>
        internal static int WritePublishHeader(byte[] buffer, int payloadOffset, int payloadCount, byte[] topicName, ushort packetId)
        {
            if (packetId == 0)
            {
                throw new ArgumentOutOfRangeException("packetId");
            }

            CheckRange(buffer, payloadOffset, payloadCount);
            int topicBytes = topicName.Length;
            int remaining = 2 + topicBytes + 2 + payloadCount;
            int start = payloadOffset - (1 + RemainingLengthSize(remaining) + 2 + topicBytes + 2);
            if (start < 0)
            {
                throw new ArgumentException("the PUBLISH header does not fit before the payload");
            }

            buffer[start] = (byte)(((int)MqttPacketType.Publish << 4) | (1 << 1));
            int index = start + 1 + WriteRemainingLength(remaining, buffer, start + 1);
            index = WriteUInt16(buffer, index, topicBytes);
            Array.Copy(topicName, 0, buffer, index, topicBytes);
            WriteUInt16(buffer, index + topicBytes, packetId);
            return start;
        }

        /// <summary>Writes PUBACK.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="packetId">Identifier of the PUBLISH acknowledged.</param>
        /// <returns>Bytes written (4).</returns>
        internal static int WritePubAck(byte[] buffer, ushort packetId)
        {
            int index = WriteFixedHeader(buffer, (int)MqttPacketType.PubAck << 4, 2);
            return WriteUInt16(buffer, index, packetId);
        }

        /// <summary>Writes SUBSCRIBE with one topic filter.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="packetId">Packet identifier, not 0.</param>
        /// <param name="topicFilter">Topic filter: not empty, wildcards only as whole levels, # last.</param>
        /// <param name="qos">Requested QoS, 0 or 1.</param>
        /// <returns>Bytes written.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="topicFilter"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">QoS or packet identifier is out of range.</exception>
        /// <exception cref="ArgumentException">The filter is not valid, or the packet does not fit.</exception>
        internal static int WriteSubscribe(byte[] buffer, ushort packetId, string topicFilter, int qos)
        {
            if (topicFilter == null)
            {
                throw new ArgumentNullException("topicFilter");
            }

            if (qos != 0 && qos != 1)
            {
                throw new ArgumentOutOfRangeException("qos");
            }

            if (packetId == 0)
            {
                throw new ArgumentOutOfRangeException("packetId");
            }

            CheckTopicFilter(topicFilter);
            int filterBytes = StringByteCount(topicFilter);

            // The reserved flags of SUBSCRIBE are 0010 (MQTT-3.8.1-1).
            int index = WriteFixedHeader(buffer, ((int)MqttPacketType.Subscribe << 4) | 0x02, 2 + 2 + filterBytes + 1);
            index = WriteUInt16(buffer, index, packetId);
            index = WriteString(buffer, index, topicFilter, filterBytes);
            buffer[index++] = (byte)qos;
            return index;
        }

        /// <summary>Writes PINGREQ.</summary>
        /// <param name="buffer">Destination.</param>
        /// <returns>Bytes written (2).</returns>
        internal static int WritePingReq(byte[] buffer)
        {
            return WriteFixedHeader(buffer, (int)MqttPacketType.PingReq << 4, 0);
        }

        /// <summary>Writes DISCONNECT.</summary>
        /// <param name="buffer">Destination.</param>
        /// <returns>Bytes written (2).</returns>
        internal static int WriteDisconnect(byte[] buffer)
        {
            return WriteFixedHeader(buffer, (int)MqttPacketType.Disconnect << 4, 0);
        }

        /// <summary>Encodes a remaining length.</summary>
        /// <param name="value">0 to 268,435,455.</param>
        /// <param name="buffer">Destination.</param>
        /// <param name="offset">Index of the first byte to write.</param>
        /// <returns>Bytes written, 1 to 4.</returns>
        /// <exception cref="ArgumentOutOfRangeException">The value does not fit four bytes.</exception>
        internal static int WriteRemainingLength(int value, byte[] buffer, int offset)
        {
            int size = RemainingLengthSize(value);
            for (int i = 0; i < size - 1; i++)
            {
                buffer[offset + i] = (byte)(0x80 | (value & 0x7F));
                value >>= 7;
            }

            buffer[offset + size - 1] = (byte)value;
            return size;
        }

        /// <summary>Bytes the encoding of a remaining length takes.</summary>
        /// <param name="value">0 to 268,435,455.</param>
        /// <returns>1 to 4.</returns>
        /// <exception cref="ArgumentOutOfRangeException">The value does not fit four bytes.</exception>
        internal static int RemainingLengthSize(int value)
        {
            if (value < 0 || value > MqttPacketReader.MaxRemainingLength)
            {
                throw new ArgumentOutOfRangeException("value");
            }

            return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
        }

        private static int WriteFixedHeader(byte[] buffer, int first, int remaining)
        {
            if (remaining > MqttPacketReader.MaxRemainingLength)
            {
                throw new ArgumentException("packet is larger than MQTT allows");
            }

            int size = 1 + RemainingLengthSize(remaining) + remaining;
            if (size > buffer.Length)
            {
                throw new ArgumentException(
                    "packet of " + size.ToString() + " bytes exceeds the transmit buffer of " + buffer.Length.ToString() + " bytes");
            }

            buffer[0] = (byte)first;
            return 1 + WriteRemainingLength(remaining, buffer, 1);
        }

        private static int TopicNameByteCount(string topic)
        {
            if (topic == null)
            {
                throw new ArgumentNullException("topic");
            }

            if (topic.Length == 0)
            {
                throw new ArgumentException("a topic name may not be empty");
            }

            if (topic.IndexOf('+') >= 0 || topic.IndexOf('#') >= 0)
            {
                throw new ArgumentException("a topic name may not contain the wildcards + or #");
            }

            return StringByteCount(topic);
        }

        private static int StringByteCount(string text)
        {
            int bytes = MqttUtf8.GetByteCount(text);
            if (bytes > MaxStringBytes)
            {
                throw new ArgumentException("MQTT strings are at most 65535 bytes of UTF-8");
            }

            return bytes;
        }

        private static int WriteString(byte[] buffer, int index, string text, int byteCount)
        {
            index = WriteUInt16(buffer, index, byteCount);
            return MqttUtf8.Write(text, buffer, index);
        }

        private static int WriteUInt16(byte[] buffer, int index, int value)
        {
            buffer[index] = (byte)(value >> 8);
            buffer[index + 1] = (byte)value;
            return index + 2;
        }

        private static void CheckRange(byte[] payload, int offset, int count)
        {
            if (count < 0 || offset < 0)
            {
                throw new ArgumentOutOfRangeException(count < 0 ? "count" : "offset");
            }

            if (count == 0)
            {
                return;
            }

            if (payload == null)
            {
                throw new ArgumentNullException("payload");
            }

            if (offset > payload.Length - count)
            {
                throw new ArgumentOutOfRangeException("count");
            }
        }

        private static void CheckTopicFilter(string filter)
        {
            int length = filter.Length;
            if (length == 0)
            {
                throw new ArgumentException("a topic filter may not be empty");
            }

            for (int i = 0; i < length; i++)
            {
                char c = filter[i];
                if (c != '+' && c != '#')
                {
                    continue;
                }

                bool wholeLevel = (i == 0 || filter[i - 1] == '/') && (i == length - 1 || filter[i + 1] == '/');
                if (!wholeLevel || (c == '#' && i != length - 1))
                {
                    throw new ArgumentException("a wildcard must be a whole topic level, and # the last one");
                }
            }
        }
    }
}
