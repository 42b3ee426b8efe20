using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Transport.IotHub
{
    public class UrlEncodingTests
    {
        [Theory]
        [InlineData(null, "")]
        [InlineData("", "")]
        [InlineData("AZaz09-._~", "AZaz09-._~")]
        [InlineData("myhub.azure-devices.net/devices/dev1", "myhub.azure-devices.net%2Fdevices%2Fdev1")]
        [InlineData("a+b/c=", "a%2Bb%2Fc%3D")]
        [InlineData(" !*'()$&#%", "%20%21%2A%27%28%29%24%26%23%25")]
        [InlineData("application/json", "application%2Fjson")]
        [InlineData("urn:azureiot:Security:SecurityAgent:1", "urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1")]
        [InlineData("caf\u00e9", "caf%C3%A9")]
        [InlineData("\u20ac", "%E2%82%AC")]
        [InlineData("\U0001F600", "%F0%9F%98%80")]
        [InlineData("\u007f\u0080\u07ff\u0800\uffff", "%7F%C2%80%DF%BF%E0%A0%80%EF%BF%BF")]
        public void EncodesAllButUnreservedAsUppercaseUtf8Bytes(string value, string expected)
        {
            Assert.Equal(expected, UrlEncoding.Encode(value));
        }

        [Fact]
        public void ALoneSurrogateBecomesTheReplacementCharacter()
        {
            // In code, not in attributes: xunit's test case serialization mangles lone surrogates.
            Assert.Equal("a%EF%BF%BDb", UrlEncoding.Encode("a\ud800b"));
            Assert.Equal("%EF%BF%BD", UrlEncoding.Encode("\udc00"));
            Assert.Equal("%EF%BF%BD%EF%BF%BD", UrlEncoding.Encode("\udc00\ud800"));
            Assert.Equal("%EF%BF%BDx", UrlEncoding.Encode("\ud83dx"));
            Assert.Equal("x%EF%BF%BD", UrlEncoding.Encode("x\ud83d"));
        }

        [Fact]
        public void MatchesUriEscapeDataStringOnAnyWellFormedText()
        {
            // Code points from every UTF-8 length, without the surrogate range.
            Gen<string> text = Gen.OneOf(Gen.Int[0, 0x7F], Gen.Int[0x80, 0x7FF], Gen.Int[0x800, 0xD7FF], Gen.Int[0xE000, 0x10FFFF])
                .Array[0, 30]
                .Select(points => string.Concat(points.Select(char.ConvertFromUtf32)));
            text.Sample(value => Assert.Equal(Uri.EscapeDataString(value), UrlEncoding.Encode(value)));
        }
    }
}
