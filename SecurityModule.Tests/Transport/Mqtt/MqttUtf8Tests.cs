using System.Text;
using CsCheck;
using Xunit;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>The hand-written UTF-8 against .NET's strict encoder and decoder.</summary>
    public class MqttUtf8Tests
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        [Theory]
        [InlineData("a")]
        [InlineData("ascii/topic")]
        [InlineData("\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFF")]
        [InlineData("😀")]
        [InlineData("\uD800\uDC00\uDBFF\uDFFF")]
        [InlineData("mixé€😀𝄞z")]
        public void EncodesLikeDotNet(string text)
        {
            byte[] expected = Strict.GetBytes(text);
            var buffer = new byte[expected.Length + 2];

            Assert.Equal(expected.Length, MqttUtf8.GetByteCount(text));
            Assert.Equal(expected.Length + 1, MqttUtf8.Write(text, buffer, 1));
            Assert.Equal(expected, buffer.AsSpan(1, expected.Length).ToArray());

            var chars = new char[expected.Length];
            int count = MqttUtf8.Decode(expected, 0, expected.Length, chars);
            Assert.Equal(text, new string(chars, 0, count));
            Assert.Equal(count, MqttUtf8.Decode(expected, 0, expected.Length, null));
        }

        [Fact]
        public void EncodingRefusesUnpairedSurrogatesAndNul()
        {
            // Built in code: attribute arguments cannot hold lone surrogates.
            string[] texts = { "\uD800", "\uDC00", "a\uDC00\uD800", "\uD83D", "\uD83Dx", "x\0" };
            foreach (string text in texts)
            {
                Assert.Throws<ArgumentException>(() => MqttUtf8.GetByteCount(text));
            }
        }

        [Theory]
        [InlineData("00", "U+0000")]
        [InlineData("80", "lead byte")]
        [InlineData("BF", "lead byte")]
        [InlineData("C0AF", "lead byte")]
        [InlineData("C1BF", "lead byte")]
        [InlineData("C3", "truncated")]
        [InlineData("E282", "truncated")]
        [InlineData("F09F98", "truncated")]
        [InlineData("C328", "continuation")]
        [InlineData("E028A1", "continuation")]
        [InlineData("E080AF", "overlong")]
        [InlineData("F08FBFBF", "overlong")]
        [InlineData("EDA080", "surrogate")]
        [InlineData("EDBFBF", "surrogate")]
        [InlineData("F4908080", "U+10FFFF")]
        [InlineData("F5808080", "lead byte")]
        [InlineData("FF", "lead byte")]
        public void DecodingRefusesMalformedUtf8(string hex, string reason)
        {
            byte[] bytes = Hex(hex);

            var e = Assert.Throws<MqttProtocolException>(() => MqttUtf8.Decode(bytes, 0, bytes.Length, new char[8]));
            Assert.Contains(reason, e.Message);
        }

        [Fact]
        public void RandomStringsRoundTripLikeDotNet()
        {
            Gen.String.Sample(text =>
            {
                bool valid = !text.Contains('\0') && IsWellFormed(text);
                if (!valid)
                {
                    Assert.Throws<ArgumentException>(() => MqttUtf8.GetByteCount(text));
                    return;
                }

                byte[] expected = Strict.GetBytes(text);
                var buffer = new byte[expected.Length];
                Assert.Equal(expected.Length, MqttUtf8.GetByteCount(text));
                MqttUtf8.Write(text, buffer, 0);
                Assert.Equal(expected, buffer);
            });
        }

        [Fact]
        public void RandomBytesDecodeExactlyWhenDotNetDoes()
        {
            // Biased to the interesting lead and continuation bytes.
            Gen<byte> bytes = Gen.OneOf(Gen.Byte, Gen.Byte[0x80, 0xBF], Gen.Byte[0xC0, 0xF7], Gen.Byte[0x20, 0x7F]);
            bytes.Array[0, 12].Sample(input =>
            {
                string expected;
                try
                {
                    expected = Strict.GetString(input);
                }
                catch (DecoderFallbackException)
                {
                    expected = null;
                }

                if (expected != null && expected.Contains('\0'))
                {
                    expected = null;
                }

                var chars = new char[input.Length];
                string actual;
                try
                {
                    actual = new string(chars, 0, MqttUtf8.Decode(input, 0, input.Length, chars));
                }
                catch (MqttProtocolException)
                {
                    actual = null;
                }

                Assert.Equal(expected, actual);
            }, iter: 20_000);
        }

        private static bool IsWellFormed(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(text[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
