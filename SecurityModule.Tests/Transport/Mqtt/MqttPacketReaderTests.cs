using System.Text;
using Xunit;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// Decoding of every packet a server may send, and a MqttProtocolException naming the
    /// fault for each way a packet can be wrong.
    /// </summary>
    public class MqttPacketReaderTests
    {
        private const int MaxPacketSize = 64;

        [Theory]
        [InlineData("20020000", false, 0)]
        [InlineData("20020100", true, 0)]
        [InlineData("20020001", false, 1)]
        [InlineData("20020005", false, 5)]
        public void ConnAck(string hex, bool sessionPresent, int returnCode)
        {
            MqttPacket packet = Decode(hex);

            Assert.Equal(MqttPacketType.ConnAck, packet.Type);
            Assert.Equal(4, packet.Length);
            Assert.Equal(sessionPresent, packet.SessionPresent);
            Assert.Equal(returnCode, packet.ReturnCode);
        }

        [Fact]
        public void PublishQos0()
        {
            MqttPacket packet = Decode("3007" + "0003612F62" + "6869");

            Assert.Equal(MqttPacketType.Publish, packet.Type);
            Assert.Equal(9, packet.Length);
            Assert.Equal(0, packet.Qos);
            Assert.Equal(0, packet.PacketId);
            Assert.False(packet.Duplicate);
            Assert.False(packet.Retain);
            Assert.Equal(4, packet.TopicOffset);
            Assert.Equal(3, packet.TopicLength);
            Assert.Equal(7, packet.PayloadOffset);
            Assert.Equal(2, packet.PayloadCount);
        }

        [Fact]
        public void PublishQos1DuplicateRetainedAtAnOffset()
        {
            byte[] bytes = Hex("FFFF" + "3B09" + "0003612F62" + "BEEF" + "6869" + "D000");
            var packet = new MqttPacket();

            MqttPacketReader.Decode(bytes, 2, bytes.Length - 2, MaxPacketSize, packet);

            Assert.Equal(11, packet.Length);
            Assert.Equal(1, packet.Qos);
            Assert.True(packet.Duplicate);
            Assert.True(packet.Retain);
            Assert.Equal(0xBEEF, packet.PacketId);
            Assert.Equal("a/b", Encoding.UTF8.GetString(bytes, packet.TopicOffset, packet.TopicLength));
            Assert.Equal("hi", Encoding.UTF8.GetString(bytes, packet.PayloadOffset, packet.PayloadCount));
        }

        [Fact]
        public void PublishWithEmptyPayloadAndUtf8Topic()
        {
            byte[] topic = Encoding.UTF8.GetBytes("é/😀");
            byte[] bytes = Concat(new byte[] { 0x30, (byte)(2 + topic.Length), 0, (byte)topic.Length }, topic);
            var packet = new MqttPacket();

            MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacketSize, packet);

            Assert.Equal(topic.Length, packet.TopicLength);
            Assert.Equal(0, packet.PayloadCount);
            Assert.Equal(bytes.Length, packet.PayloadOffset);
        }

        [Fact]
        public void PubAck()
        {
            MqttPacket packet = Decode("40021234");

            Assert.Equal(MqttPacketType.PubAck, packet.Type);
            Assert.Equal(0x1234, packet.PacketId);
        }

        [Theory]
        [InlineData("9003000100", 0, 1)]
        [InlineData("9003000101", 1, 1)]
        [InlineData("9003000102", 2, 1)]
        [InlineData("9003000180", 0x80, 1)]
        [InlineData("900500010180 02", 1, 3)]
        public void SubAck(string hex, int firstCode, int codes)
        {
            MqttPacket packet = Decode(hex);

            Assert.Equal(MqttPacketType.SubAck, packet.Type);
            Assert.Equal(1, packet.PacketId);
            Assert.Equal(firstCode, packet.ReturnCode);
            Assert.Equal(codes, packet.ReturnCodeCount);
        }

        [Theory]
        [InlineData("D000", 2)]
        [InlineData("D08000", 3)]
        public void PingResp(string hex, int length)
        {
            MqttPacket packet = Decode(hex);

            Assert.Equal(MqttPacketType.PingResp, packet.Type);
            Assert.Equal(length, packet.Length);
        }

        [Fact]
        public void PacketLengthIsKnownOnceTheFixedHeaderIsComplete()
        {
            byte[] bytes = Hex("30 8001" + new string('0', 256));

            Assert.Equal(0, MqttPacketReader.GetPacketLength(bytes, 0, 0, 1000));
            Assert.Equal(0, MqttPacketReader.GetPacketLength(bytes, 0, 1, 1000));
            Assert.Equal(0, MqttPacketReader.GetPacketLength(bytes, 0, 2, 1000));
            Assert.Equal(131, MqttPacketReader.GetPacketLength(bytes, 0, 3, 1000));
            Assert.Equal(131, MqttPacketReader.GetPacketLength(bytes, 0, 3, 131));
            Assert.Throws<MqttProtocolException>(() => MqttPacketReader.GetPacketLength(bytes, 0, 3, 130));
        }

        [Theory]
        // Truncated.
        [InlineData("", "truncated")]
        [InlineData("20", "truncated")]
        [InlineData("2002", "truncated")]
        [InlineData("200200", "truncated")]
        [InlineData("3080", "truncated")]
        [InlineData("3007 0003612F62 68", "truncated")]
        // Remaining length.
        [InlineData("D0FFFFFFFF7F", "four bytes")]
        [InlineData("30C000", "receive buffer")]
        [InlineData("30FFFFFF7F", "receive buffer")]
        [InlineData("2003000000", "CONNACK remaining length")]
        [InlineData("2001 00", "CONNACK remaining length")]
        [InlineData("4003000100", "PUBACK remaining length")]
        [InlineData("4000", "PUBACK remaining length")]
        [InlineData("90020001", "SUBACK remaining length")]
        [InlineData("D00100", "PINGRESP remaining length")]
        [InlineData("30020001", "PUBLISH remaining length")]
        // Types a client never receives.
        [InlineData("0000", "reserved packet type 0")]
        [InlineData("F000", "reserved packet type 15")]
        [InlineData("100C00044D5154540402003C0000", "only a client may send")]
        [InlineData("820600010001 6100", "only a client may send")]
        [InlineData("A20500010001 61", "only a client may send")]
        [InlineData("C000", "only a client may send")]
        [InlineData("E000", "only a client may send")]
        [InlineData("50020001", "QoS 2")]
        [InlineData("62020001", "QoS 2")]
        [InlineData("70020001", "QoS 2")]
        [InlineData("B0020001", "UNSUBACK")]
        // Reserved fixed header flags.
        [InlineData("21020000", "reserved fixed header flags")]
        [InlineData("28020000", "reserved fixed header flags")]
        [InlineData("42020001", "reserved fixed header flags")]
        [InlineData("9203000100", "reserved fixed header flags")]
        [InlineData("D100", "reserved fixed header flags")]
        [InlineData("D800", "reserved fixed header flags")]
        // CONNACK body.
        [InlineData("20020200", "acknowledge flags")]
        [InlineData("20028000", "acknowledge flags")]
        [InlineData("20020006", "return code 6")]
        [InlineData("200200FF", "return code 255")]
        [InlineData("20020105", "session is present")]
        // PUBACK and SUBACK bodies.
        [InlineData("40020000", "packet identifier is 0")]
        [InlineData("9003000000", "packet identifier is 0")]
        [InlineData("9003000103", "return code 3")]
        [InlineData("900400010081", "return code 129")]
        // PUBLISH.
        [InlineData("3603000161", "QoS 3")]
        [InlineData("3405000161 0001", "QoS 2")]
        [InlineData("3803000161", "QoS 0 and the DUP")]
        [InlineData("3003000061", "topic is empty")]
        [InlineData("3004000561 62", "runs past")]
        [InlineData("3205000361 6263", "runs past")]
        [InlineData("3203000161", "runs past")]
        [InlineData("3205000161 0000", "packet identifier is 0")]
        [InlineData("3004000261 23", "wildcard")]
        [InlineData("300300012B", "wildcard")]
        [InlineData("30040002C328", "UTF-8")]
        [InlineData("30040002C0AF", "UTF-8")]
        [InlineData("30050003EDA080", "surrogate")]
        [InlineData("3004000261 00", "U+0000")]
        public void MalformedPacketsAreProtocolErrors(string hex, string reason)
        {
            byte[] bytes = Hex(hex);

            var e = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacketSize, new MqttPacket()));
            Assert.Contains(reason, e.Message);
        }

        [Fact]
        public void AnOversizedPacketIsRefusedFromItsHeaderAlone()
        {
            // The reader must not wait for 200 bytes it has no room for.
            byte[] header = Hex("30C801");

            var e = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.GetPacketLength(header, 0, header.Length, MaxPacketSize));
            Assert.Equal("packet of 203 bytes exceeds the receive buffer of 64 bytes", e.Message);
        }

        [Fact]
        public void DecodingValidPacketsAllocatesNothing()
        {
            byte[][] packets =
            {
                Hex("20020000"), Hex("3209 0003612F62 000A 6869"), Hex("40021234"), Hex("9003000101"), Hex("D000"),
                Concat(Hex("301E 0014"), Encoding.UTF8.GetBytes("devices/é/😀/€x"), Hex("0102030405060708")),
            };
            var packet = new MqttPacket();
            foreach (byte[] bytes in packets)
            {
                MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacketSize, packet);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                byte[] bytes = packets[i % packets.Length];
                MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacketSize, packet);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        private static MqttPacket Decode(string hex)
        {
            byte[] bytes = Hex(hex);
            var packet = new MqttPacket();
            MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacketSize, packet);
            return packet;
        }
    }
}
