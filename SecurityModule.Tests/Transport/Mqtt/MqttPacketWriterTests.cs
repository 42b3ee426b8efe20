using System.Text;
using Xunit;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// Every packet the client sends, byte for byte against the MQTT 3.1.1 layout (sections
    /// 2 and 3), written out by hand.
    /// </summary>
    public class MqttPacketWriterTests
    {
        private readonly byte[] _buffer = new byte[512];

        [Fact]
        public void ConnectWithoutCredentials()
        {
            int length = MqttPacketWriter.WriteConnect(_buffer, "a", null, null, 60);

            // 10 0D | 00 04 'MQTT' | level 4 | flags: clean session | keep-alive 60 | client id "a"
            Assert.Equal("100D00044D5154540402003C000161", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void ConnectWithUserNameAndPassword()
        {
            int length = MqttPacketWriter.WriteConnect(_buffer, "dev", "hub/dev", "sas", 240);

            // flags C2: user name, password, clean session; keep-alive 00 F0
            Assert.Equal(
                "10" + "1D" + "00044D51545404C200F0" + "0003646576" + "00076875622F646576" + "0003736173",
                ToHex(_buffer, 0, length));
            Assert.Equal(2 + 0x1D, length);
        }

        [Fact]
        public void ConnectWithUserNameOnlyAndEmptyClientId()
        {
            int length = MqttPacketWriter.WriteConnect(_buffer, string.Empty, "u", null, 0);

            // flags 82: user name, clean session; keep-alive 0; empty client id 00 00
            Assert.Equal("100F" + "00044D51545404820000" + "0000" + "000175", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void ConnectRefusesAPasswordWithoutUserNameAndANullClientId()
        {
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.WriteConnect(_buffer, "a", null, "p", 60));
            Assert.Throws<ArgumentNullException>(() => MqttPacketWriter.WriteConnect(_buffer, null, null, null, 60));
        }

        [Fact]
        public void PublishQos0()
        {
            byte[] payload = Encoding.ASCII.GetBytes("xhiy");
            int length = MqttPacketWriter.WritePublish(_buffer, "a/b", payload, 1, 2, 0, 0, false);

            // 30 07 | 00 03 'a/b' | 'hi' (no packet identifier at QoS 0)
            Assert.Equal("3007" + "0003612F62" + "6869", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void PublishQos1()
        {
            int length = MqttPacketWriter.WritePublish(_buffer, "a/b", Encoding.ASCII.GetBytes("hi"), 0, 2, 1, 10, false);

            Assert.Equal("3209" + "0003612F62" + "000A" + "6869", ToHex(_buffer, 0, length));
        }

        [Theory]
        [InlineData("a/b", 0)]
        [InlineData("a/b", 120)]
        [InlineData("a/b", 121)]
        [InlineData("devices/d/messages/events/%24.ct=application%2Fjson", 4038)]
        [InlineData("t/\u00e9\u6f22", 16300)]
        public void APublishHeaderWrittenInFrontOfItsPayloadIsThePublishItself(string topic, int count)
        {
            byte[] payload = Enumerable.Range(0, count).Select(i => (byte)(i * 7)).ToArray();
            var expected = new byte[20_000];
            int expectedLength = MqttPacketWriter.WritePublish(expected, topic, payload, 0, count, 1, 0x1234, false);

            var buffer = new byte[20_000];
            byte[] topicName = MqttPacketWriter.EncodeTopicName(topic);
            int payloadOffset = MqttPacketWriter.PublishPayloadOffset(topicName, buffer.Length);
            payload.CopyTo(buffer, payloadOffset);
            int start = MqttPacketWriter.WritePublishHeader(buffer, payloadOffset, count, topicName, 0x1234);

            Assert.Equal(ToHex(expected, 0, expectedLength), ToHex(buffer, start, payloadOffset + count - start));
        }

        [Fact]
        public void APublishHeaderThatDoesNotFitBeforeItsPayloadIsRefused()
        {
            byte[] topicName = MqttPacketWriter.EncodeTopicName("a/b");
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublishHeader(_buffer, 5, 2, topicName, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WritePublishHeader(_buffer, 20, 2, topicName, 0));
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.EncodeTopicName("a/+"));
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.EncodeTopicName(""));
            Assert.Throws<ArgumentNullException>(() => MqttPacketWriter.EncodeTopicName(null));
        }

        [Fact]
        public void PublishQos1Duplicate()
        {
            int length = MqttPacketWriter.WritePublish(_buffer, "a/b", Encoding.ASCII.GetBytes("hi"), 0, 2, 1, 0xFFFF, true);

            Assert.Equal("3A09" + "0003612F62" + "FFFF" + "6869", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void PublishWithEmptyPayloadAndNullArray()
        {
            int length = MqttPacketWriter.WritePublish(_buffer, "t", null, 0, 0, 0, 0, false);

            Assert.Equal("3003000174", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void PublishWithATwoByteRemainingLength()
        {
            byte[] payload = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
            int length = MqttPacketWriter.WritePublish(_buffer, "t", payload, 0, payload.Length, 0, 0, false);

            // Remaining length 2 + 1 + 200 = 203 = 0xCB: CB 01.
            Assert.Equal("30CB01000174", ToHex(_buffer, 0, 6));
            Assert.Equal(payload, _buffer.AsSpan(6, 200).ToArray());
            Assert.Equal(206, length);
        }

        [Fact]
        public void PublishTopicIsUtf8WithSurrogatePairs()
        {
            const string topic = "é/€/😀/𝄞";
            int length = MqttPacketWriter.WritePublish(_buffer, topic, null, 0, 0, 0, 0, false);

            byte[] expected = Encoding.UTF8.GetBytes(topic);
            Assert.Equal("C3A92FE282AC2FF09F98802FF09D849E", ToHex(expected));
            Assert.Equal(expected.Length, (_buffer[2] << 8) | _buffer[3]);
            Assert.Equal(expected, _buffer.AsSpan(4, length - 4).ToArray());
        }

        [Fact]
        public void PublishRefusesInvalidTopicNames()
        {
            // Built in code: attribute arguments cannot hold lone surrogates.
            string[] topics = { string.Empty, "a/+", "a/#", "a\0b", "bad\uD800", "bad\uDC00x", "\uDBFF", "\uDE00\uD83D" };
            foreach (string topic in topics)
            {
                Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublish(_buffer, topic, null, 0, 0, 0, 0, false));
            }
        }

        [Fact]
        public void PublishRefusesBadArguments()
        {
            byte[] payload = new byte[4];
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WritePublish(_buffer, "t", payload, 0, 4, 2, 1, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WritePublish(_buffer, "t", payload, 0, 4, 1, 0, false));
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublish(_buffer, "t", payload, 0, 4, 0, 0, true));
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WritePublish(_buffer, "t", payload, 2, 3, 0, 0, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WritePublish(_buffer, "t", payload, -1, 1, 0, 0, false));
            Assert.Throws<ArgumentNullException>(() => MqttPacketWriter.WritePublish(_buffer, "t", null, 0, 1, 0, 0, false));
            Assert.Throws<ArgumentNullException>(() => MqttPacketWriter.WritePublish(_buffer, null, payload, 0, 1, 0, 0, false));
        }

        [Fact]
        public void APacketThatDoesNotFitThrowsAndWritesNothing()
        {
            var small = new byte[10];
            Array.Fill(small, (byte)0xAA);

            var e = Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublish(small, "t", new byte[6], 0, 6, 0, 0, false));

            Assert.Contains("11 bytes exceeds the transmit buffer of 10 bytes", e.Message);
            Assert.All(small, b => Assert.Equal(0xAA, b));
            Assert.Equal(10, MqttPacketWriter.WritePublish(small, "t", new byte[5], 0, 5, 0, 0, false));
        }

        [Fact]
        public void PubAck()
        {
            int length = MqttPacketWriter.WritePubAck(_buffer, 0x1234);

            Assert.Equal("40021234", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void Subscribe()
        {
            int length = MqttPacketWriter.WriteSubscribe(_buffer, 1, "a/#", 1);

            // 82 (reserved flags 0010) 08 | id 00 01 | 00 03 'a/#' | requested QoS 1
            Assert.Equal("8208" + "0001" + "0003612F23" + "01", ToHex(_buffer, 0, length));
        }

        [Fact]
        public void SubscribeIotHubFilterAtQos0()
        {
            int length = MqttPacketWriter.WriteSubscribe(_buffer, 0x0102, "devices/d1/messages/devicebound/#", 0);

            byte[] filter = Encoding.UTF8.GetBytes("devices/d1/messages/devicebound/#");
            Assert.Equal(2 + 2 + 2 + filter.Length + 1, length);
            Assert.Equal(Concat(Hex("82"), new[] { (byte)(2 + 2 + filter.Length + 1) }, Hex("0102 0021"), filter, Hex("00")), _buffer.AsSpan(0, length).ToArray());
        }

        [Theory]
        [InlineData("#")]
        [InlineData("+")]
        [InlineData("+/+/#")]
        [InlineData("a/+/b")]
        [InlineData("/")]
        [InlineData("a//#")]
        public void SubscribeAcceptsValidFilters(string filter)
        {
            Assert.True(MqttPacketWriter.WriteSubscribe(_buffer, 1, filter, 0) > 0);
        }

        [Theory]
        [InlineData("")]
        [InlineData("a#")]
        [InlineData("a/#/b")]
        [InlineData("a+")]
        [InlineData("a/+b")]
        [InlineData("#/")]
        public void SubscribeRefusesInvalidFilters(string filter)
        {
            Assert.Throws<ArgumentException>(() => MqttPacketWriter.WriteSubscribe(_buffer, 1, filter, 0));
        }

        [Fact]
        public void SubscribeRefusesBadQosAndPacketIdZero()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WriteSubscribe(_buffer, 1, "a", 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WriteSubscribe(_buffer, 0, "a", 0));
        }

        [Fact]
        public void PingReqAndDisconnect()
        {
            Assert.Equal("C000", ToHex(_buffer, 0, MqttPacketWriter.WritePingReq(_buffer)));
            Assert.Equal("E000", ToHex(_buffer, 0, MqttPacketWriter.WriteDisconnect(_buffer)));
        }

        [Fact]
        public void WritingAllocatesNothing()
        {
            byte[] payload = new byte[64];
            MqttPacketWriter.WriteConnect(_buffer, "device-1", "hub.azure-devices.net/device-1/?api-version=2021-04-12", "SharedAccessSignature sr=x", 240);
            MqttPacketWriter.WritePublish(_buffer, "devices/device-1/messages/events/€😀", payload, 0, payload.Length, 1, 7, true);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                MqttPacketWriter.WriteConnect(_buffer, "device-1", "hub.azure-devices.net/device-1/?api-version=2021-04-12", "SharedAccessSignature sr=x", 240);
                MqttPacketWriter.WritePublish(_buffer, "devices/device-1/messages/events/€😀", payload, 0, payload.Length, 1, 7, true);
                MqttPacketWriter.WriteSubscribe(_buffer, 9, "devices/device-1/messages/devicebound/#", 1);
                MqttPacketWriter.WritePubAck(_buffer, 9);
                MqttPacketWriter.WritePingReq(_buffer);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
