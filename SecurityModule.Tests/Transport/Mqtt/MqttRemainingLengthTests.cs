using Xunit;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>The remaining-length varint at every boundary of MQTT 3.1.1 table 2.4.</summary>
    public class MqttRemainingLengthTests
    {
        [Theory]
        [InlineData(0, "00")]
        [InlineData(127, "7F")]
        [InlineData(128, "8001")]
        [InlineData(16383, "FF7F")]
        [InlineData(16384, "808001")]
        [InlineData(2097151, "FFFF7F")]
        [InlineData(2097152, "80808001")]
        [InlineData(268435455, "FFFFFF7F")]
        public void EncodesAndDecodesEdgeValues(int value, string hex)
        {
            var buffer = new byte[6];
            int written = MqttPacketWriter.WriteRemainingLength(value, buffer, 1);

            Assert.Equal(hex, ToHex(buffer, 1, written));
            Assert.Equal(written, MqttPacketWriter.RemainingLengthSize(value));
            Assert.Equal(written, MqttPacketReader.ReadRemainingLength(buffer, 1, written, out int decoded));
            Assert.Equal(value, decoded);

            // One byte short: incomplete, not an error.
            Assert.Equal(0, MqttPacketReader.ReadRemainingLength(buffer, 1, written - 1, out _));
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(268435456)]
        [InlineData(int.MaxValue)]
        public void WriterRefusesValuesOutsideFourBytes(int value)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketWriter.WriteRemainingLength(value, new byte[8], 0));
        }

        [Theory]
        [InlineData("FFFFFFFF7F")]
        [InlineData("8080808000")]
        [InlineData("80808080")]
        public void AFifthByteIsAProtocolError(string hex)
        {
            byte[] bytes = Hex(hex);

            Assert.Throws<MqttProtocolException>(() => MqttPacketReader.ReadRemainingLength(bytes, 0, bytes.Length, out _));
        }

        [Fact]
        public void ANonMinimalEncodingIsAccepted()
        {
            // 3.1.1 (unlike MQTT 5) does not require the shortest encoding.
            byte[] bytes = Hex("8000");

            Assert.Equal(2, MqttPacketReader.ReadRemainingLength(bytes, 0, 2, out int value));
            Assert.Equal(0, value);
        }

        [Fact]
        public void EveryValueRoundTrips()
        {
            var buffer = new byte[4];
            var random = new Random(4);
            for (int i = 0; i < 100_000; i++)
            {
                int value = i < 50_000 ? i * 3 : random.Next(MqttPacketReader.MaxRemainingLength + 1);
                int written = MqttPacketWriter.WriteRemainingLength(value, buffer, 0);
                Assert.Equal(written, MqttPacketReader.ReadRemainingLength(buffer, 0, 4, out int decoded));
                Assert.Equal(value, decoded);
            }
        }
    }
}
