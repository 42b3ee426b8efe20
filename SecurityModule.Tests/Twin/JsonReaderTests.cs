using System.Text;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// The twin reader on documents written by hand: token streams, unescaping, numbers,
    /// comparisons, Skip, every grammar error, the limits, and Microsoft's own twin documents.
    /// </summary>
    public class JsonReaderTests
    {
        private const int DocumentLimit = 32 * 1024;
        private const int StringLimit = 512;

        // Members of the 4 KB document in the allocation test; "skip15" is its last skipped one.
        private const int TwinMembers = 16;

        private static readonly string TwinFolder = Path.Combine(AppContext.BaseDirectory, "DefenderSchemas", "security_module_twin");

        [Fact]
        public void NestedDocumentGivesTokensDepthsAndOffsets()
        {
            const string json = " {\"a\": [1, {\"b\": null}, []], \"c\": true, \"d\": {}, \"e\": false, \"f\": \"x\"} ";

            var outcome = JsonTokenStreams.Ours(NewReader(), Utf8(json));

            Assert.True(outcome.Accepted, outcome.ToString());
            Assert.Equal(
                new[]
                {
                    "StartObject@1d0", "PropertyName@2d1=a", "StartArray@7d1", "Number@8d2=1 int64 1",
                    "StartObject@11d2", "PropertyName@12d3=b", "Null@17d3", "EndObject@21d2",
                    "StartArray@24d2", "EndArray@25d2", "EndArray@26d1",
                    "PropertyName@29d1=c", "True@34d1", "PropertyName@40d1=d", "StartObject@45d1", "EndObject@46d1",
                    "PropertyName@49d1=e", "False@54d1", "PropertyName@61d1=f", "String@66d1=x", "EndObject@69d0",
                },
                Describe(outcome));
            Assert.Equal(JsonTokenStreams.SystemTextJson(Utf8(json)).Tokens, outcome.Tokens);
        }

        [Theory]
        [InlineData("1", "Number@0d0=1 int64 1")]
        [InlineData(" \"s\"\r\n", "String@1d0=s")]
        [InlineData("\ttrue", "True@1d0")]
        [InlineData("false ", "False@0d0")]
        [InlineData("null", "Null@0d0")]
        public void RootScalarIsTheWholeDocument(string json, string token)
        {
            var reader = NewReader();
            var outcome = JsonTokenStreams.Ours(reader, Utf8(json));

            Assert.True(outcome.Accepted, outcome.ToString());
            Assert.Equal(new[] { token }, Describe(outcome));
        }

        [Theory]
        [InlineData("\\\"", "\"")]
        [InlineData("\\\\", "\\")]
        [InlineData("\\/", "/")]
        [InlineData("\\b", "\b")]
        [InlineData("\\f", "\f")]
        [InlineData("\\n", "\n")]
        [InlineData("\\r", "\r")]
        [InlineData("\\t", "\t")]
        [InlineData("\\u0000", "\0")]
        [InlineData("\\u00e9", "\u00e9")]
        [InlineData("\\u00E9", "\u00e9")]
        [InlineData("\\u20AC", "\u20ac")]
        [InlineData("\\uFFFF", "\uffff")]
        [InlineData("\\ud83d\\ude00", "\U0001F600")]
        [InlineData("\\uD83D\\uDE00", "\U0001F600")]
        [InlineData("\\udbff\\udfff", "\U0010FFFF")]
        [InlineData("a\\tb\\\\c\\\"d\\u0041", "a\tb\\c\"dA")]
        [InlineData("caf\u00e9 \u20ac \u4e2d \U0001F600", "caf\u00e9 \u20ac \u4e2d \U0001F600")]
        [InlineData("\u007f", "\u007f")]
        [InlineData("", "")]
        public void StringsAreUnescapedAndDecoded(string inside, string expected)
        {
            var reader = NewReader();
            reader.Reset(Utf8("[\"" + inside + "\"]"), 0, Utf8("[\"" + inside + "\"]").Length);

            Assert.True(reader.Read());
            Assert.True(reader.Read());
            Assert.Equal(JsonTokenType.String, reader.TokenType);
            Assert.Equal(expected, reader.GetString());
            Assert.True(reader.ValueEquals(expected));
            Assert.True(reader.Read());
            Assert.False(reader.Read());
        }

        [Fact]
        public void SmileyEscapeIsOneSurrogatePair()
        {
            var reader = Start("{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\"}");
            reader.Read();
            Assert.Equal(JsonTokenType.PropertyName, reader.TokenType);
            Assert.Equal("😀", reader.GetString());
            Assert.Equal(2, reader.GetString().Length);
            reader.Read();
            Assert.Equal("😀", reader.GetString());
        }

        [Theory]
        [InlineData("0", true, 0L)]
        [InlineData("-0", true, 0L)]
        [InlineData("7", true, 7L)]
        [InlineData("-42", true, -42L)]
        [InlineData("8192", true, 8192L)]
        [InlineData("262144", true, 262144L)]
        [InlineData("9223372036854775807", true, long.MaxValue)]
        [InlineData("-9223372036854775808", true, long.MinValue)]
        [InlineData("9223372036854775808", false, 0L)]
        [InlineData("-9223372036854775809", false, 0L)]
        [InlineData("9223372036854775810", false, 0L)]
        [InlineData("18446744073709551616", false, 0L)]
        [InlineData("123456789012345678901234567890", false, 0L)]
        [InlineData("1.0", false, 0L)]
        [InlineData("1.5", false, 0L)]
        [InlineData("-0.0", false, 0L)]
        [InlineData("1e2", false, 0L)]
        [InlineData("1E+2", false, 0L)]
        [InlineData("1e-2", false, 0L)]
        [InlineData("0e0", false, 0L)]
        public void NumbersAreTokensAndIntegersAreRangeChecked(string number, bool isInt64, long expected)
        {
            foreach (string json in new[] { number, "[" + number + "]", "{\"n\":" + number + "}" })
            {
                var reader = Start(json);
                while (reader.TokenType != JsonTokenType.Number)
                {
                    Assert.True(reader.Read());
                }

                Assert.Equal(isInt64, reader.TryGetInt64(out long value));
                Assert.Equal(expected, value);
                Assert.Equal(number.Length, reader.TokenLength);
                Assert.Equal(isInt64, System.Text.Json.JsonDocument.Parse(number).RootElement.TryGetInt64(out _));
            }
        }

        [Fact]
        public void NonNumbersAreNotInt64AndNonLiteralsAreNotBooleans()
        {
            var reader = Start("[\"1\",true,false,null]");
            Assert.False(reader.TryGetInt64(out _));
            Assert.False(reader.TryGetBoolean(out _));
            reader.Read();
            Assert.False(reader.TryGetInt64(out long number));
            Assert.Equal(0, number);
            reader.Read();
            Assert.True(reader.TryGetBoolean(out bool value));
            Assert.True(value);
            reader.Read();
            Assert.True(reader.TryGetBoolean(out value));
            Assert.False(value);
            reader.Read();
            Assert.False(reader.TryGetBoolean(out value));
            Assert.False(value);
        }

        [Fact]
        public void ValueEqualsComparesUnescapedText()
        {
            var reader = Start("{\"eventPriorityLogin\":\"\\u0048igh\"}");
            reader.Read();
            Assert.True(reader.ValueEquals("eventPriorityLogin"));
            Assert.False(reader.ValueEquals("eventPriorityLogi"));
            Assert.False(reader.ValueEquals("eventPriorityLogin "));
            Assert.False(reader.ValueEquals("EventPriorityLogin"));
            Assert.False(reader.ValueEquals(null));
            reader.Read();
            Assert.True(reader.ValueEquals("High"));
            Assert.False(reader.ValueEquals("high"));
            reader.Read();
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.False(reader.ValueEquals("}"));
        }

        [Theory]
        [InlineData("High", "high", true)]
        [InlineData("high", "High", true)]
        [InlineData("HIGH", "high", true)]
        [InlineData("oFf", "Off", true)]
        [InlineData("High", "hig", false)]
        [InlineData("Hig", "high", false)]
        [InlineData("Low", "Lox", false)]
        [InlineData("\\u212Aey", "key", false)]
        [InlineData("\u0130d", "id", false)]
        [InlineData("@", "`", false)]
        [InlineData("[", "{", false)]
        [InlineData("caf\u00c9", "caf\u00e9", false)]
        [InlineData("caf\u00e9", "CAF\u00e9", true)]
        public void ValueEqualsIgnoreCaseFoldsAsciiLettersOnly(string inDocument, string text, bool expected)
        {
            var reader = Start("\"" + inDocument + "\"");
            Assert.Equal(expected, reader.ValueEqualsIgnoreCase(text));
        }

        [Fact]
        public void ComparisonsOnTokensThatAreNotTextAreFalse()
        {
            var reader = Start("[1]");
            Assert.False(reader.ValueEquals("["));
            Assert.False(reader.ValueEqualsIgnoreCase("["));
            Assert.Throws<InvalidOperationException>(() => reader.GetString());
            reader.Read();
            Assert.False(reader.ValueEquals("1"));
            Assert.False(reader.ValueEqualsIgnoreCase("1"));
            Assert.Throws<InvalidOperationException>(() => reader.GetString());
        }

        [Fact]
        public void SkipPassesOverNestedValues()
        {
            const string json = "{\"skip\":{\"a\":[1,[2,[3]],{\"b\":{}}],\"c\":\"}\"},\"keep\":[true,{\"x\":[]}],\"last\":5}";
            var reader = Start(json);

            reader.Read();
            Assert.True(reader.ValueEquals("skip"));
            reader.Skip();
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.Equal(1, reader.Depth);

            reader.Read();
            Assert.True(reader.ValueEquals("keep"));
            reader.Read();
            Assert.Equal(JsonTokenType.StartArray, reader.TokenType);
            reader.Read();
            reader.Skip();
            Assert.Equal(JsonTokenType.True, reader.TokenType);
            reader.Read();
            Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
            reader.Skip();
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.Equal(2, reader.Depth);
            reader.Read();
            Assert.Equal(JsonTokenType.EndArray, reader.TokenType);

            reader.Read();
            Assert.True(reader.ValueEquals("last"));
            reader.Skip();
            Assert.True(reader.TryGetInt64(out long last));
            Assert.Equal(5, last);
            reader.Read();
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.False(reader.Read());
        }

        [Fact]
        public void SkipOfTheRootContainerEndsTheDocument()
        {
            var reader = NewReader();
            byte[] document = Utf8(new string('[', 31) + "{\"a\":1}" + new string(']', 31));
            reader.Reset(document, 0, document.Length);
            reader.Skip();
            Assert.Equal(JsonTokenType.None, reader.TokenType);
            reader.Read();
            reader.Skip();
            Assert.Equal(JsonTokenType.EndArray, reader.TokenType);
            Assert.Equal(0, reader.Depth);
            Assert.False(reader.Read());
        }

        [Fact]
        public void SkipValidatesWhatItSkips()
        {
            var reader = Start("{\"a\":[1,2,}");
            reader.Read();
            var e = Assert.Throws<JsonReaderException>(() => reader.Skip());
            Assert.Equal(10, e.ByteOffset);
        }

        [Theory]
        // Trailing commas.
        [InlineData("[1,]", 3)]
        [InlineData("[1 , ]", 5)]
        [InlineData("{\"a\":1,}", 7)]
        [InlineData("{\"a\":1, }", 8)]
        // Missing or misplaced colons and commas.
        [InlineData("{\"a\" 1}", 5)]
        [InlineData("{\"a\"}", 4)]
        [InlineData("{\"a\",1}", 4)]
        [InlineData("{\"a\"::1}", 5)]
        [InlineData("{\"a\":1 \"b\":2}", 7)]
        [InlineData("[1 2]", 3)]
        [InlineData("[1:2]", 2)]
        [InlineData("[\"a\":1]", 4)]
        [InlineData("[,]", 1)]
        [InlineData("[1,,2]", 3)]
        [InlineData("{,}", 1)]
        [InlineData(",", 0)]
        [InlineData("{1:2}", 1)]
        [InlineData("{a:1}", 1)]
        [InlineData("{'a':1}", 1)]
        [InlineData("['a']", 1)]
        // Brackets.
        [InlineData("[1}", 2)]
        [InlineData("{\"a\":1]", 6)]
        [InlineData("{]", 1)]
        [InlineData("]", 0)]
        [InlineData("}", 0)]
        [InlineData("[", 1)]
        [InlineData("{\"a\":", 5)]
        [InlineData("{\"a\":1", 6)]
        [InlineData("[[[]]", 5)]
        // Numbers.
        [InlineData("01", 1)]
        [InlineData("-01", 2)]
        [InlineData("[00]", 2)]
        [InlineData("007", 1)]
        [InlineData("-", 1)]
        [InlineData("-a", 1)]
        [InlineData("- 1", 1)]
        [InlineData("1.", 2)]
        [InlineData("1.e5", 2)]
        [InlineData("1e", 2)]
        [InlineData("1e+", 3)]
        [InlineData("1e+-2", 3)]
        [InlineData(".5", 0)]
        [InlineData("+1", 0)]
        [InlineData("1.5.3", 3)]
        [InlineData("0x10", 1)]
        [InlineData("1a", 1)]
        [InlineData("[1true]", 2)]
        [InlineData("NaN", 0)]
        [InlineData("Infinity", 0)]
        [InlineData("-Infinity", 1)]
        // Literals.
        [InlineData("tru", 0)]
        [InlineData("nul", 0)]
        [InlineData("fals", 0)]
        [InlineData("True", 0)]
        [InlineData("NULL", 0)]
        [InlineData("[truE]", 1)]
        [InlineData("nulll", 4)]
        [InlineData("truefalse", 4)]
        [InlineData("[true false]", 6)]
        // Extra data after the root value.
        [InlineData("{} {}", 3)]
        [InlineData("1 2", 2)]
        [InlineData("[]]", 2)]
        [InlineData("{}}", 2)]
        [InlineData("\"a\"\"b\"", 3)]
        [InlineData("{}x", 2)]
        [InlineData("{},", 2)]
        // Nothing at all, and what is not JSON whitespace or JSON.
        [InlineData("", 0)]
        [InlineData(" \r\n\t", 4)]
        [InlineData("\u000b1", 0)]
        [InlineData("\u00a01", 0)]
        [InlineData("/*c*/1", 0)]
        [InlineData("[1//c\n]", 2)]
        [InlineData("\ufeff{}", 0)]
        // Strings: unterminated, bad escapes, lone surrogates.
        [InlineData("\"abc", 0)]
        [InlineData("[\"abc]", 1)]
        [InlineData("\"abc\\", 0)]
        [InlineData("\"abc\\\"", 0)]
        [InlineData("\"\\u12", 0)]
        [InlineData("\"\\x\"", 1)]
        [InlineData("\"\\'\"", 1)]
        [InlineData("\"\\U0041\"", 1)]
        [InlineData("\"\\u12G4\"", 5)]
        [InlineData("\"\\u 123\"", 3)]
        [InlineData("\"\\ud800\"", 1)]
        [InlineData("\"\\udc00\"", 1)]
        [InlineData("\"\\ude00\\ud83d\"", 1)]
        [InlineData("\"\\ud83d\\ud83d\"", 1)]
        [InlineData("\"\\ud83dx\"", 1)]
        [InlineData("\"\\ud83d\\n\"", 1)]
        [InlineData("\"\\ud83d\\u00e9\"", 1)]
        [InlineData("\"\\ud83d\\ude0\"", 12)]
        [InlineData("{\"\\udfff\":1}", 2)]
        public void GrammarErrorsAreJsonReaderExceptions(string json, int offset)
        {
            AssertRefused(Utf8(json), offset);
        }

        [Theory]
        [InlineData(0x00)]
        [InlineData(0x01)]
        [InlineData(0x09)]
        [InlineData(0x0a)]
        [InlineData(0x0d)]
        [InlineData(0x1f)]
        public void ControlCharactersInStringsAreRefused(byte control)
        {
            AssertRefused(new byte[] { (byte)'"', (byte)'a', control, (byte)'"' }, 2);
            AssertRefused(new byte[] { (byte)'{', (byte)'"', control, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, 2);
        }

        [Theory]
        [InlineData("ff")]
        [InlineData("fe")]
        [InlineData("80")]
        [InlineData("bf")]
        [InlineData("c0 80")]
        [InlineData("c1 bf")]
        [InlineData("c2")]
        [InlineData("c2 41")]
        [InlineData("e0 80 80")]
        [InlineData("e0 9f bf")]
        [InlineData("ed a0 80")]
        [InlineData("ed bf bf")]
        [InlineData("e2 82")]
        [InlineData("f0 8f bf bf")]
        [InlineData("f4 90 80 80")]
        [InlineData("f5 80 80 80")]
        [InlineData("f0 9f 98")]
        [InlineData("f8 88 80 80 80")]
        public void InvalidUtf8InStringsIsRefused(string hex)
        {
            byte[] bad = Convert.FromHexString(hex.Replace(" ", ""));
            byte[] document = [(byte)'[', (byte)'"', (byte)'a', .. bad, (byte)'"', (byte)']'];

            AssertRefused(document, 3);
            Assert.False(JsonTokenStreams.SystemTextJson(document).Accepted);
        }

        [Theory]
        [InlineData("c2 80", "\u0080")]
        [InlineData("df bf", "\u07ff")]
        [InlineData("e0 a0 80", "\u0800")]
        [InlineData("ed 9f bf", "\ud7ff")]
        [InlineData("ee 80 80", "\ue000")]
        [InlineData("ef bf bf", "\uffff")]
        [InlineData("f0 90 80 80", "\U00010000")]
        [InlineData("f4 8f bf bf", "\U0010FFFF")]
        public void Utf8BoundariesDecode(string hex, string expected)
        {
            byte[] document = [(byte)'"', .. Convert.FromHexString(hex.Replace(" ", "")), (byte)'"'];
            var reader = NewReader();
            reader.Reset(document, 0, document.Length);
            reader.Read();
            Assert.Equal(expected, reader.GetString());
        }

        [Fact]
        public void ThirtyTwoLevelsAreReadAndTheThirtyThirdIsRefused()
        {
            string deepest = new string('[', 31) + "{\"a\":1}" + new string(']', 31);
            var outcome = JsonTokenStreams.Ours(NewReader(), Utf8(deepest));
            Assert.True(outcome.Accepted, outcome.Error);
            Assert.Contains("PropertyName@32d32=a", Describe(outcome));

            AssertRefused(Utf8(new string('[', 33) + new string(']', 33)), 32);
            AssertRefused(Utf8(new string('[', 32) + "{}" + new string(']', 32)), 32);
            Assert.False(JsonTokenStreams.SystemTextJson(Utf8(new string('[', 33) + new string(']', 33))).Accepted);
        }

        [Fact]
        public void HostileNestingIsRefusedWithoutRecursion()
        {
            // 32 KB of brackets: a recursive reader would go 32,768 frames deep.
            byte[] document = Utf8(new string('[', DocumentLimit));
            AssertRefused(document, JsonReader.MaxDepth);

            var reader = NewReader();
            reader.Reset(document, 0, document.Length);
            reader.Read();
            Assert.Throws<JsonReaderException>(() => reader.Skip());
        }

        [Fact]
        public void StringsUpToTheLimitAreKeptAndLongerOnesAreReadWithoutTheirText()
        {
            string atLimit = new string('a', StringLimit);
            var reader = Start("{\"" + atLimit + "\":\"" + atLimit + "\"}");
            reader.Read();
            Assert.True(reader.IsTextComplete);
            Assert.Equal(StringLimit, reader.TextLength);
            Assert.Equal(atLimit, reader.GetString());
            reader.Read();
            Assert.Equal(atLimit, reader.GetString());
            Assert.True(reader.ValueEquals(atLimit));

            // One char more: a token like any other, counted, but its text is not kept.
            reader = Start("{\"k\":\"" + atLimit + "a\",\"next\":\"short\"}");
            reader.Read();
            reader.Read();
            Assert.Equal(JsonTokenType.String, reader.TokenType);
            Assert.False(reader.IsTextComplete);
            Assert.Equal(StringLimit + 1, reader.TextLength);
            Assert.Equal(StringLimit + 3, reader.TokenLength);
            var e = Assert.Throws<JsonReaderException>(() => reader.GetString());
            Assert.Equal("string longer than 512 chars at byte 5", e.Message);
            Assert.Equal(5, e.ByteOffset);

            // It equals nothing, not even itself nor the text of the buffer's length it starts with;
            // a text longer than the buffer is compared without reading past it.
            Assert.False(reader.ValueEquals(atLimit + "a"));
            Assert.False(reader.ValueEqualsIgnoreCase(atLimit + "A"));
            Assert.False(reader.ValueEquals(atLimit));
            Assert.False(reader.ValueEqualsIgnoreCase(atLimit));
            Assert.False(reader.ValueEquals(new string('a', 4 * StringLimit)));
            Assert.False(reader.ValueEquals(""));

            // GetString's refusal does not stop the reader, and the next text is whole.
            Assert.True(reader.Read());
            Assert.True(reader.ValueEquals("next"));
            Assert.True(reader.Read());
            Assert.Equal("short", reader.GetString());
            Assert.Equal(5, reader.TextLength);
            Assert.True(reader.Read());
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.False(reader.IsTextComplete);
            Assert.Equal(0, reader.TextLength);
            Assert.False(reader.Read());

            // Property names too, and texts far longer than the buffer; System.Text.Json reads the same tokens.
            foreach (string json in new[]
            {
                "{\"k\":\"" + atLimit + "b\"}",
                "{\"" + atLimit + "b\":1}",
                "[\"" + new string('x', 4096) + "\",\"" + new string('y', DocumentLimit - 4200) + "\"]",
            })
            {
                AssertReadWithoutLongTexts(Utf8(json));
            }

            var name = Start("{\"" + atLimit + "b\":1}");
            name.Read();
            Assert.Equal(JsonTokenType.PropertyName, name.TokenType);
            Assert.False(name.IsTextComplete);
            Assert.Equal("string longer than 512 chars at byte 1", Assert.Throws<JsonReaderException>(() => name.GetString()).Message);
            Assert.False(name.ValueEquals(atLimit + "b"));
            name.Read();
            Assert.True(name.TryGetInt64(out long one));
            Assert.Equal(1, one);
        }

        [Theory]
        // Escapes are one char, a surrogate pair two, whether escaped or raw UTF-8.
        [InlineData("\\u0041", 1)]
        [InlineData("\\n", 1)]
        [InlineData("\u00e9", 1)]
        [InlineData("\u20ac", 1)]
        [InlineData("\U0001F600", 2)]
        [InlineData("\\ud83d\\ude00", 2)]
        public void TheLimitCountsUtf16CharsAfterUnescaping(string piece, int chars)
        {
            int fitting = StringLimit / chars;
            string fits = string.Concat(Enumerable.Repeat(piece, fitting));
            var reader = Start("\"" + fits + "\"");
            Assert.True(reader.IsTextComplete);
            Assert.Equal(StringLimit, reader.TextLength);
            Assert.Equal(StringLimit, reader.GetString().Length);
            Assert.Equal(JsonTokenStreams.SystemTextJson(Utf8("\"" + fits + "\"")).Tokens[0].Text, reader.GetString());

            // One piece more, and the same with one ASCII char first, so that a surrogate pair
            // straddles the end of the buffer: its high half fits, its low half does not.
            foreach (string longer in new[] { fits + piece, "a" + fits })
            {
                reader = Start("\"" + longer + "\"");
                Assert.False(reader.IsTextComplete);
                Assert.Equal(JsonTokenStreams.SystemTextJson(Utf8("\"" + longer + "\"")).Tokens[0].TextLength, reader.TextLength);
                Assert.Throws<JsonReaderException>(() => reader.GetString());
                Assert.False(reader.Read());
                AssertReadWithoutLongTexts(Utf8("[\"" + longer + "\",\"" + piece + "\"]"));
            }
        }

        [Theory]
        [InlineData("\\x", 0)]
        [InlineData("\\ud800", 0)]
        [InlineData("\\ude00\\ud83d", 0)]
        [InlineData("\\ud83d\\u0041", 0)]
        [InlineData("\\u12G4", 4)]
        [InlineData("\u0001", 0)]
        [InlineData("\n", 0)]
        public void TextPastTheBufferIsValidatedAllTheSame(string bad, int offsetInBad)
        {
            // Bad text well past the end of the buffer is refused where it is, as when it fits.
            string before = "[\"" + new string('a', StringLimit + 100);
            AssertRefused(Utf8(before + bad + "\"]"), Utf8(before).Length + offsetInBad);
        }

        [Theory]
        [InlineData("c0 80")]
        [InlineData("ed a0 80")]
        [InlineData("f4 90 80 80")]
        [InlineData("e2 82")]
        [InlineData("80")]
        public void Utf8PastTheBufferIsValidatedAllTheSame(string hex)
        {
            byte[] before = Utf8("[\"" + new string('a', StringLimit + 100));
            byte[] document = [.. before, .. Convert.FromHexString(hex.Replace(" ", "")), (byte)'"', (byte)']'];
            AssertRefused(document, before.Length);
        }

        [Fact]
        public void AnUnterminatedLongStringIsRefusedAtItsStart()
        {
            AssertRefused(Utf8("[1,\"" + new string('a', StringLimit + 100)), 3);
            AssertRefused(Utf8("[1,\"" + new string('a', StringLimit + 100) + "\\"), 3);
        }

        [Fact]
        public void DocumentOverTheSizeLimitIsRefusedBeforeParsing()
        {
            // 33 KB of valid JSON, then the same bytes as the first 32 KB of a larger buffer.
            byte[] document = Utf8("[\"" + new string('x', 33 * 1024 - 4) + "\"]");
            Assert.Equal(33 * 1024, document.Length);
            var reader = NewReader();

            var e = Assert.Throws<JsonReaderException>(() => reader.Reset(document, 0, document.Length));
            Assert.Equal("document of 33792 bytes exceeds the 32768-byte limit", e.Message);
            Assert.Equal(DocumentLimit, e.ByteOffset);
            Assert.Equal(JsonTokenType.None, reader.TokenType);
            Assert.Same(e, Assert.Throws<JsonReaderException>(() => reader.Read()));

            // One byte over is refused; exactly the limit is read (the string limit aside).
            var roomy = new JsonReader(DocumentLimit, DocumentLimit);
            Assert.Throws<JsonReaderException>(() => roomy.Reset(document, 0, DocumentLimit + 1));
            byte[] exact = Utf8("[\"" + new string('x', DocumentLimit - 4) + "\"]");
            roomy.Reset(exact, 0, exact.Length);
            Assert.True(roomy.Read());
            Assert.True(roomy.Read());
            Assert.Equal(DocumentLimit - 4, roomy.GetString().Length);
            Assert.True(roomy.Read());
            Assert.False(roomy.Read());
        }

        [Fact]
        public void ErrorsAreStickyAndResetStartsOver()
        {
            var reader = NewReader();
            byte[] bad = Utf8("[1,]");
            reader.Reset(bad, 0, bad.Length);
            reader.Read();
            reader.Read();
            var first = Assert.Throws<JsonReaderException>(() => reader.Read());
            Assert.Equal("trailing comma at byte 3", first.Message);
            Assert.Same(first, Assert.Throws<JsonReaderException>(() => reader.Read()));
            Assert.Same(first, Assert.Throws<JsonReaderException>(() => reader.Skip()));

            // Nothing half-read is left to look at: a string that failed has no text.
            byte[] halfString = Utf8("[\"ok\",\"bad\u0001\"]");
            reader.Reset(halfString, 0, halfString.Length);
            reader.Read();
            reader.Read();
            Assert.Equal("ok", reader.GetString());
            Assert.Throws<JsonReaderException>(() => reader.Read());
            Assert.Equal(JsonTokenType.None, reader.TokenType);
            Assert.False(reader.ValueEquals("ok"));
            Assert.False(reader.ValueEquals("bad"));
            Assert.Throws<InvalidOperationException>(() => reader.GetString());

            byte[] good = Utf8("[2]");
            reader.Reset(good, 0, good.Length);
            Assert.Equal(JsonTokenType.None, reader.TokenType);
            Assert.True(reader.Read());
            Assert.True(reader.Read());
            Assert.True(reader.TryGetInt64(out long two));
            Assert.Equal(2, two);
            Assert.True(reader.Read());
            Assert.False(reader.Read());
            Assert.False(reader.Read());
        }

        [Fact]
        public void SegmentOfALargerBufferIsReadAlone()
        {
            // Garbage on both sides that would be errors if the reader looked at it.
            byte[] buffer = Utf8("]]]\"{\"a\":[12, \"\\u00e9\"]}\"[[[");
            var outcome = JsonTokenStreams.Ours(NewReader(), buffer, 4, buffer.Length - 8);

            Assert.True(outcome.Accepted, outcome.ToString());
            Assert.Equal(
                new[] { "StartObject@0d0", "PropertyName@1d1=a", "StartArray@5d1", "Number@6d2=12 int64 12", "String@10d2=\u00e9", "EndArray@18d1", "EndObject@19d0" },
                Describe(outcome));

            var reader = NewReader();
            reader.Reset(buffer, 7, 1);
            var e = Assert.Throws<JsonReaderException>(() => reader.Read());
            Assert.Equal(0, e.ByteOffset);
        }

        [Fact]
        public void MisuseIsNotAJsonError()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new JsonReader(0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new JsonReader(1, 0));
            var reader = NewReader();
            Assert.Throws<InvalidOperationException>(() => reader.Read());
            Assert.Throws<ArgumentNullException>(() => reader.Reset(null, 0, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.Reset(new byte[4], -1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.Reset(new byte[4], 5, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.Reset(new byte[4], 2, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.Reset(new byte[4], 0, -1));
        }

        [Theory]
        [InlineData("azureiotsecurity_default.json")]
        [InlineData("azureiotsecurity_schema.json")]
        [InlineData("azureiotsecurity_schema_definitions.json")]
        [InlineData("azureiotsecurity_schema_dtdl.json")]
        public void MicrosoftTwinDocumentsReadAsSystemTextJsonReadsThem(string file)
        {
            byte[] document = File.ReadAllBytes(Path.Combine(TwinFolder, file));

            var ours = JsonTokenStreams.Ours(NewReader(), document);
            var theirs = JsonTokenStreams.SystemTextJson(document);

            Assert.True(ours.Accepted, ours.Error);
            Assert.True(theirs.Accepted, theirs.Error);
            Assert.True(ours.Tokens.Count > 20);
            Assert.Equal(theirs.Tokens, ours.Tokens);
        }

        [Fact]
        public void DefaultTwinGivesItsPropertiesByDispatch()
        {
            byte[] document = File.ReadAllBytes(Path.Combine(TwinFolder, "azureiotsecurity_default.json"));
            var reader = NewReader();
            reader.Reset(document, 0, document.Length);
            var seen = new Dictionary<string, string>();

            // Walk down to the configuration object the way the twin layer will.
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && !reader.ValueEquals("properties"))
            {
                reader.Skip();
            }

            reader.Read();
            reader.Read();
            Assert.True(reader.ValueEquals("desired"));
            reader.Read();
            reader.Read();
            Assert.True(reader.ValueEquals("ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration"));
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString();
                reader.Read();
                Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
                reader.Read();
                Assert.True(reader.ValueEquals("value"));
                reader.Read();
                seen[name] = reader.TokenType == JsonTokenType.String
                    ? reader.GetString()
                    : Encoding.UTF8.GetString(document, reader.TokenOffset, reader.TokenLength);
                reader.Read();
                Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            }

            Assert.Equal("PT7M", seen["highPriorityMessageFrequency"]);
            Assert.Equal("PT5H", seen["lowPriorityMessageFrequency"]);
            Assert.Equal("PT13H", seen["snapshotFrequency"]);
            Assert.Equal("2560000", seen["maxLocalCacheSizeInBytes"]);
            Assert.Equal("204800", seen["maxMessageSizeInBytes"]);
            Assert.Equal("Low", seen["eventPriorityConnectionCreate"]);
            Assert.Equal("High", seen["eventPriorityListeningPorts"]);
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        }

        [Fact]
        public void ReadingWithoutGetStringAllocatesNothing()
        {
            byte[] document = FourKilobyteTwin();
            Assert.InRange(document.Length, 4096, 6000);
            Assert.True(JsonTokenStreams.SystemTextJson(document).Accepted);
            var reader = NewReader();
            var (tokens, matches, sum) = Walk(reader, document);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                Walk(reader, document);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.True(tokens > 500, tokens.ToString());
            // The enum strings, one property name, the trues but the two skipped with their
            // members, and the last one; the integers, less the two 1s skipped.
            Assert.Equal(TwinMembers + 1 + (TwinMembers - 2) + 1, matches);
            Assert.Equal((2 * TwinMembers * 8192L) - TwinMembers + (TwinMembers * (long.MaxValue / 1000)) + (TwinMembers - 2) + 12, sum);
        }

        private static string[] Describe(ReadOutcome outcome) => outcome.Tokens.Select(t => t.ToString()).ToArray();

        /// <summary>
        /// A desired-properties document of a little over 4 KB with every kind of token: the
        /// configuration object, escaped and non-ASCII strings, a string longer than the reader's
        /// buffer, numbers, booleans, nested arrays, and a member to skip.
        /// </summary>
        private static byte[] FourKilobyteTwin()
        {
            var text = new StringBuilder("{\"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration\":{");
            for (int i = 0; i < TwinMembers; i++)
            {
                text.Append("\"eventPriority").Append(i).Append("\":{\"value\":\"").Append(i % 2 == 0 ? "HIGH" : "low").Append("\"},")
                    .Append("\"maxMessageSizeInBytes").Append(i).Append("\":{\"value\":8192},")
                    .Append("\"other").Append(i).Append("\":{\"value\":-1},")
                    .Append("\"big").Append(i).Append("\":{\"value\":").Append(long.MaxValue / 1000).Append(",\"fraction\":1.5e3},")
                    .Append("\"maxLocalCacheSizeInBytes").Append(i).Append("\":{\"value\":8192},")
                    .Append("\"skip").Append(i).Append("\":{\"value\":[1,[true,false,null],{\"k\":\"\\u00e9\\ud83d\\ude00\\n\"}]},")
                    .Append("\"text").Append(i).Append("\":{\"value\":\"caf\u00e9 \u4e2d\U0001F600 \\\"q\\\"\"},");
            }

            // Longer than the reader's buffer: read, counted and compared without allocating too.
            text.Append("\"long\":{\"value\":\"").Append('x', StringLimit + 88).Append("\"},");
            text.Append("\"aggregationEnabledConnectionCreate\":{\"value\":true}},\"$version\":12}");
            return Utf8(text.ToString());
        }

        /// <summary>Reads the whole document the way the twin layer will, without GetString.</summary>
        private static (int Tokens, int Matches, long Sum) Walk(JsonReader reader, byte[] document)
        {
            reader.Reset(document, 0, document.Length);
            int tokens = 0;
            int matches = 0;
            long sum = 0;
            while (reader.Read())
            {
                tokens++;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (reader.ValueEquals("skip0") || reader.ValueEquals("skip15"))
                        {
                            reader.Skip();
                        }
                        else if (reader.ValueEquals("maxMessageSizeInBytes7") || reader.ValueEquals("value"))
                        {
                            matches += reader.ValueEquals("value") ? 0 : 1;
                        }

                        break;
                    case JsonTokenType.String:
                        if (reader.ValueEqualsIgnoreCase("high") || reader.ValueEqualsIgnoreCase("Low"))
                        {
                            matches++;
                        }

                        break;
                    case JsonTokenType.Number:
                        if (reader.TryGetInt64(out long value))
                        {
                            sum += value;
                        }

                        break;
                    case JsonTokenType.True:
                    case JsonTokenType.False:
                        reader.TryGetBoolean(out bool flag);
                        matches += flag ? 1 : 0;
                        break;
                }
            }

            return (tokens, matches, sum);
        }

        internal static JsonReader NewReader() => new JsonReader(DocumentLimit, StringLimit);

        internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        /// <summary>A reader over <paramref name="json"/>, already on its first token.</summary>
        private static JsonReader Start(string json)
        {
            var reader = NewReader();
            byte[] document = Utf8(json);
            reader.Reset(document, 0, document.Length);
            Assert.True(reader.Read());
            return reader;
        }

        /// <summary>
        /// Reads to the end, expecting the tokens System.Text.Json reads, where those longer than
        /// the buffer have their length but no text.
        /// </summary>
        private static void AssertReadWithoutLongTexts(byte[] document)
        {
            var ours = JsonTokenStreams.Ours(NewReader(), document);
            var theirs = JsonTokenStreams.SystemTextJson(document);
            Assert.True(ours.Accepted, ours.ToString());
            Assert.True(theirs.Accepted, theirs.ToString());
            Assert.True(ours.LongestString > StringLimit);
            Assert.Equal(JsonTokenStreams.KeptBy(theirs, StringLimit).Tokens, ours.Tokens);
            Assert.Contains(ours.Tokens, t => t.Text == null && t.TextLength > StringLimit);
        }

        /// <summary>Reads to the end, expecting a JsonReaderException at <paramref name="offset"/> and nothing else.</summary>
        private static JsonReaderException AssertRefused(byte[] document, int offset)
        {
            var outcome = JsonTokenStreams.Ours(NewReader(), document);
            Assert.False(outcome.Accepted, outcome.ToString());

            var reader = NewReader();
            reader.Reset(document, 0, document.Length);
            var e = Assert.Throws<JsonReaderException>(() =>
            {
                while (reader.Read())
                {
                }
            });
            Assert.Equal(offset, e.ByteOffset);
            Assert.EndsWith(" at byte " + offset, e.Message);

            // System.Text.Json, as strictly configured, refuses these too.
            Assert.False(JsonTokenStreams.SystemTextJson(document).Accepted);
            return e;
        }
    }
}
