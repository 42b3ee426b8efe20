using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>WriteString against System.Text.Json's reading of the same bytes.</summary>
    public class JsonWriterStringTests
    {
        // Weighted towards what goes wrong: escapes, multi-byte sequences and surrogates in
        // every combination, adjacent or alone.
        private static readonly Gen<string> AnyText = Gen.Frequency(
                (4, Gen.Char['\0', '\u007f']),
                (2, Gen.Char['\0', '\u001f']),
                (2, Gen.Char['\u0080', '\u07ff']),
                (2, Gen.Char['\u0800', '\uffff']),
                (3, Gen.Char['\ud800', '\udbff']),
                (3, Gen.Char['\udc00', '\udfff']),
                (1, Gen.Char["\"\\\u007f\u2028\u2029\ufeff\ufffd\uffff"]))
            .Array[0, 40]
            .Select(chars => new string(chars));

        [Theory]
        [InlineData("")]
        [InlineData("plain ASCII 0123 ~!@#$%^&*()_+{}|:<>?`-=[];',./")]
        [InlineData("\"quoted\" and \\back\\slashed\\\"")]
        [InlineData("\n\r\t\b\f")]
        [InlineData("\u0000\u0001\u0007\u000b\u000e\u001b\u001f\u007f")]
        [InlineData("caf\u00e9 \u00df \u00fc \u0394 \u0416 \u05d0 \u07ff")]
        [InlineData("\u0800 \u20ac \u4e2d\u6587 \u2028\u2029 \ufeff \uffff")]
        [InlineData("\ud83d\ude00 emoji \ud83c\udff3\ufe0f\u200d\ud83c\udf08 \ud800\udc00 \udbff\udfff")]
        public void RoundTrips(string text)
        {
            Assert.Equal(text, Read(Write(text)));
        }

        // A table, not [InlineData]: the test runner mangles lone surrogates in theory arguments.
        [Fact]
        public void LoneSurrogateBecomesReplacementCharacter()
        {
            string[][] cases =
            {
                new[] { "\ud800", "\ufffd" },
                new[] { "\udc00", "\ufffd" },
                new[] { "a\ud83db", "a\ufffdb" },
                new[] { "\ude00\ud83d", "\ufffd\ufffd" },
                new[] { "\ud83d\ud83d\ude00", "\ufffd\ud83d\ude00" },
                new[] { "\ud83d\ude00\ude00", "\ud83d\ude00\ufffd" },
                new[] { "end\udbff", "end\ufffd" },
            };

            foreach (string[] pair in cases)
            {
                Assert.Equal(pair[1], Read(Write(pair[0])));
            }

            Assert.Equal(new byte[] { 0xEF, 0xBF, 0xBD }, Write("\ud800")[1..^1]);
        }

        [Theory]
        [InlineData("", "\"\"")]
        [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
        [InlineData("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"")]
        [InlineData("\u0000\u0001\u001f\u007f", "\"\\u0000\\u0001\\u001f\u007f\"")]
        [InlineData("/", "\"/\"")]
        public void EscapesOnlyWhatJsonRequires(string text, string expected)
        {
            Assert.Equal(expected, Encoding.ASCII.GetString(Write(text)));
        }

        [Theory]
        [InlineData("\u00e9", new byte[] { 0xC3, 0xA9 })]
        [InlineData("\u07ff", new byte[] { 0xDF, 0xBF })]
        [InlineData("\u0800", new byte[] { 0xE0, 0xA0, 0x80 })]
        [InlineData("\uffff", new byte[] { 0xEF, 0xBF, 0xBF })]
        [InlineData("\ud800\udc00", new byte[] { 0xF0, 0x90, 0x80, 0x80 })]
        [InlineData("\ud83d\ude00", new byte[] { 0xF0, 0x9F, 0x98, 0x80 })]
        [InlineData("\udbff\udfff", new byte[] { 0xF4, 0x8F, 0xBF, 0xBF })]
        public void EncodesUtf8(string text, byte[] expected)
        {
            byte[] quoted = Write(text);
            Assert.Equal(expected, quoted[1..^1]);
        }

        [Fact]
        public void NullIsEmptyString()
        {
            Assert.Equal("\"\"", Written.By(writer => writer.WriteString(null)));
        }

        [Fact]
        public void AnyStringRoundTrips()
        {
            Gen.OneOf(AnyText, Gen.String).Sample(
                text =>
                {
                    byte[] json = Write(text);
                    Assert.Equal(WithLoneSurrogatesReplaced(text), Read(json));

                    // Byte for byte: .NET's UTF-8 encoder (which also turns a lone surrogate into
                    // U+FFFD) applied to the text with JSON's escapes.
                    Assert.Equal(Encoding.UTF8.GetBytes("\"" + Escape(text) + "\""), json);
                },
                iter: 20_000,
                print: Escaped);
        }

        private static byte[] Write(string text)
        {
            var writer = new JsonWriter(4096);
            writer.WriteString(text);
            Assert.False(writer.Overflowed);
            return writer.Buffer[..writer.Length];
        }

        private static string Read(byte[] json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            Assert.Equal(JsonValueKind.String, document.RootElement.ValueKind);
            return document.RootElement.GetString();
        }

        private static string WithLoneSurrogatesReplaced(string text)
        {
            var expected = new StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsSurrogatePair(text, i))
                {
                    expected.Append(text, i, 2);
                    i++;
                }
                else
                {
                    expected.Append(char.IsSurrogate(text[i]) ? '\ufffd' : text[i]);
                }
            }

            return expected.ToString();
        }

        private static string Escape(string text)
        {
            var escaped = new StringBuilder();
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': escaped.Append("\\\""); break;
                    case '\\': escaped.Append("\\\\"); break;
                    case '\n': escaped.Append("\\n"); break;
                    case '\r': escaped.Append("\\r"); break;
                    case '\t': escaped.Append("\\t"); break;
                    case '\b': escaped.Append("\\b"); break;
                    case '\f': escaped.Append("\\f"); break;
                    default:
                        if (c < 0x20)
                        {
                            escaped.Append("\\u00").Append(((int)c).ToString("x2"));
                        }
                        else
                        {
                            escaped.Append(c);
                        }

                        break;
                }
            }

            return escaped.ToString();
        }

        private static string Escaped(string text)
        {
            return string.Concat(text.Select(c => c < 0x20 || c > 0x7e ? "\\u" + ((int)c).ToString("x4") : c.ToString()));
        }
    }
}
