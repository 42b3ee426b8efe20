using System.Text;
using Stj = System.Text.Json;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// Reads a document with our <see cref="JsonReader"/> and with System.Text.Json's
    /// <see cref="Stj.Utf8JsonReader"/>, describing every token the same way
    /// (<see cref="ReadToken"/>), so that the two streams can be compared as lists.
    /// </summary>
    internal static class JsonTokenStreams
    {
        /// <summary>Utf8JsonReader as strict as ours: RFC 8259 only, the same depth limit.</summary>
        internal static readonly Stj.JsonReaderOptions Strict = new()
        {
            CommentHandling = Stj.JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = JsonReader.MaxDepth,
        };

        /// <summary>
        /// Our reader's stream. Also checks, on every token, that the typed accessors agree with
        /// the token type and that ValueEquals/ValueEqualsIgnoreCase agree with GetString; on a
        /// text longer than the reader's buffer, that GetString refuses it with the reader's
        /// message without stopping the reader, and that comparisons are false; and that the
        /// end of a document is sticky. Only <see cref="JsonReaderException"/> is caught: any
        /// other exception reaches the caller and fails the test.
        /// </summary>
        internal static ReadOutcome Ours(JsonReader reader, byte[] document) => Ours(reader, document, 0, document.Length);

        internal static ReadOutcome Ours(JsonReader reader, byte[] buffer, int offset, int count)
        {
            var tokens = new List<ReadToken>();
            int longest = 0;
            try
            {
                reader.Reset(buffer, offset, count);
                while (reader.Read())
                {
                    Stj.JsonTokenType type = SameTypes[(int)reader.TokenType];
                    string text = null;
                    int textLength = reader.TextLength;
                    bool isInt64 = reader.TryGetInt64(out long value);
                    bool isBoolean = reader.TryGetBoolean(out bool flag);
                    Check(isInt64 ? reader.TokenType == JsonTokenType.Number : value == 0, "TryGetInt64");
                    Check(isBoolean == (reader.TokenType is JsonTokenType.True or JsonTokenType.False), "TryGetBoolean");
                    Check(flag == (reader.TokenType == JsonTokenType.True), "TryGetBoolean value");
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.String:
                        case JsonTokenType.PropertyName:
                            if (reader.IsTextComplete)
                            {
                                text = reader.GetString();
                                Check(textLength == text.Length, "TextLength of a text kept");
                                CheckComparisons(reader, text);
                            }
                            else
                            {
                                CheckTextNotKept(reader);
                            }

                            longest = Math.Max(longest, textLength);
                            break;
                        case JsonTokenType.Number:
                            text = Encoding.UTF8.GetString(buffer, offset + reader.TokenOffset, reader.TokenLength);
                            Check(!reader.IsTextComplete && textLength == 0, "no text on a number");
                            break;
                        default:
                            Check(!reader.ValueEquals("") && !reader.ValueEqualsIgnoreCase(""), "ValueEquals on a non-string");
                            Check(!reader.IsTextComplete && textLength == 0, "no text on a token that is not text");
                            break;
                    }

                    tokens.Add(new ReadToken(type, reader.TokenOffset, reader.Depth, reader.TokenLength, text, textLength, isInt64, value));
                }

                Check(!reader.Read(), "the end is sticky");
                return new ReadOutcome(tokens, null, longest);
            }
            catch (JsonReaderException e)
            {
                return new ReadOutcome(tokens, e.Message, longest);
            }
        }

        /// <summary>
        /// System.Text.Json's stream. Utf8JsonReader checks UTF-8 and surrogate escapes only when
        /// a string is turned into text, so GetString is called on every string and property name
        /// and its refusal counts as rejecting the document.
        /// </summary>
        internal static ReadOutcome SystemTextJson(byte[] document)
        {
            var tokens = new List<ReadToken>();
            int longest = 0;
            var reader = new Stj.Utf8JsonReader(document, Strict);
            try
            {
                while (reader.Read())
                {
                    string text = null;
                    int length = reader.ValueSpan.Length;
                    bool isInt64 = false;
                    bool isNumber = reader.TokenType == Stj.JsonTokenType.Number;
                    long value = 0;
                    switch (reader.TokenType)
                    {
                        case Stj.JsonTokenType.String:
                        case Stj.JsonTokenType.PropertyName:
                            try
                            {
                                text = reader.GetString();
                            }
                            catch (InvalidOperationException e)
                            {
                                return new ReadOutcome(tokens, "GetString: " + e.Message, longest);
                            }

                            // ValueSpan leaves the quotes out.
                            length += 2;
                            longest = Math.Max(longest, text.Length);
                            break;
                        case Stj.JsonTokenType.Number:
                            text = Encoding.UTF8.GetString(reader.ValueSpan);
                            isInt64 = reader.TryGetInt64(out value);
                            break;
                    }

                    tokens.Add(new ReadToken(reader.TokenType, (int)reader.TokenStartIndex, reader.CurrentDepth, length, text, text != null && !isNumber ? text.Length : 0, isInt64, value));
                }

                return new ReadOutcome(tokens, null, longest);
            }
            catch (Stj.JsonException e)
            {
                return new ReadOutcome(tokens, e.Message, longest);
            }
        }

        /// <summary>
        /// What a reader whose buffer holds <paramref name="maxStringChars"/> chars keeps of
        /// <paramref name="outcome"/>: the same tokens, but a string or property name longer
        /// than that has no text, only its length.
        /// </summary>
        internal static ReadOutcome KeptBy(ReadOutcome outcome, int maxStringChars) => outcome with
        {
            Tokens = outcome.Tokens
                .Select(t => t.Type is Stj.JsonTokenType.String or Stj.JsonTokenType.PropertyName && t.TextLength > maxStringChars ? t with { Text = null } : t)
                .ToList(),
        };

        // Ours by value, theirs by name: the names are the same, the numbers differ (Comment).
        private static readonly Stj.JsonTokenType[] SameTypes =
            Enum.GetNames<JsonTokenType>().Select(Enum.Parse<Stj.JsonTokenType>).ToArray();

        private static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException("reader invariant broken: " + what);
            }
        }

        private static void CheckComparisons(JsonReader reader, string text)
        {
            Check(reader.ValueEquals(text), "ValueEquals(GetString())");
            Check(reader.ValueEqualsIgnoreCase(SwapAsciiCase(text)), "ValueEqualsIgnoreCase(case-swapped GetString())");
            Check(!reader.ValueEquals(text + "x") && !reader.ValueEqualsIgnoreCase(text + "x"), "ValueEquals of a longer text");
            if (text.Length > 0)
            {
                string changed = text.Substring(0, text.Length - 1) + (char)(text[^1] ^ 1);
                Check(!reader.ValueEquals(changed), "ValueEquals of a different last char");
            }
        }

        /// <summary>On a text longer than the buffer: GetString refuses it, comparisons are false, reading goes on.</summary>
        private static void CheckTextNotKept(JsonReader reader)
        {
            int length = reader.TextLength;
            Check(length > 0, "a text not kept is not empty");
            try
            {
                reader.GetString();
                Check(false, "GetString of a text not kept");
            }
            catch (JsonReaderException e)
            {
                Check(
                    e.Message.StartsWith("string longer than ", StringComparison.Ordinal)
                        && e.Message.EndsWith(" chars at byte " + reader.TokenOffset, StringComparison.Ordinal)
                        && e.ByteOffset == reader.TokenOffset,
                    "GetString's refusal of a text not kept: " + e.Message);
            }

            // As long as the text, and so longer than the buffer: never equal, and no index out of range.
            string sameLength = new string('a', length);
            Check(!reader.ValueEquals(sameLength) && !reader.ValueEqualsIgnoreCase(sameLength), "ValueEquals on a text not kept");
            Check(!reader.ValueEquals("") && !reader.ValueEqualsIgnoreCase(""), "ValueEquals(\"\") on a text not kept");
            Check(reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName, "GetString's refusal leaves the token");
        }

        private static string SwapAsciiCase(string text)
        {
            var chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z')
                {
                    chars[i] = (char)(c ^ 0x20);
                }
            }

            return new string(chars);
        }
    }
}
