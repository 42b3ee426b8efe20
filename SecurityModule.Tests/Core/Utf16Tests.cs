using System.Text;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>Surrogate pairs read the way both runtimes agree on, checked against .NET's own decoding.</summary>
    public sealed class Utf16Tests
    {
        [Theory]
        [InlineData("\U0001F600", 0)]
        [InlineData("a\U0001F600b", 1)]
        [InlineData("\U00010000", 0)]
        [InlineData("\U0010FFFF", 0)]
        [InlineData("t/\U0001F600/\U0001F4A9", 5)]
        public void APairGivesItsCodePoint(string text, int index)
        {
            Assert.True(Utf16.IsHighSurrogate(text[index]));
            Assert.Equal(char.ConvertToUtf32(text, index), Utf16.PairAt(text, index));
        }

        [Theory]
        [InlineData("\uD83D", 0)]
        [InlineData("\uD83Da", 0)]
        [InlineData("x\uD83D\uD83D", 1)]
        public void AHighSurrogateWithoutItsLowHalfIsNoPair(string text, int index)
        {
            Assert.Equal(-1, Utf16.PairAt(text, index));
        }

        [Fact]
        public void OnlyHighSurrogatesStartAPair()
        {
            for (int c = 0; c <= 0xFFFF; c++)
            {
                Assert.Equal(char.IsHighSurrogate((char)c), Utf16.IsHighSurrogate(c));
            }
        }

        [Fact]
        public void MqttStringsWithNonBmpCharactersEncodeAsDotNetDoes()
        {
            const string topic = "t/\U0001F600/é/\U0001F4A9";
            byte[] expected = Encoding.UTF8.GetBytes(topic);
            var buffer = new byte[expected.Length];

            Assert.Equal(expected.Length, MqttUtf8.GetByteCount(topic));
            Assert.Equal(expected.Length, MqttUtf8.Write(topic, buffer, 0));
            Assert.Equal(expected, buffer);
        }
    }
}
