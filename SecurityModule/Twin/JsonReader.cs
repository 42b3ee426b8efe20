using System;

namespace NanoSecurity
{
    /// <summary>
    /// Reads a UTF-8 JSON document token by token, strictly as RFC 8259 defines it, in the manner
    /// of System.Text.Json's <c>Utf8JsonReader</c>. Built for module-twin documents that arrive
    /// from the network: the size and the nesting depth are bounded, the text kept of a string
    /// is bounded, nothing recurses, and reading allocates nothing; only <see cref="GetString"/>
    /// and errors do.
    /// </summary>
    /// <remarks>
    /// <para>Every string is validated and decoded into a buffer allocated up front as soon as it
    /// is read, so a document is refused for bad text even where the caller skips the string,
    /// and <see cref="ValueEquals"/> compares without decoding again. A string or property name
    /// longer than that buffer is validated all the same (escapes, surrogate pairs, UTF-8) and is
    /// a token like any other, with its length counted in <see cref="TextLength"/>; only its text
    /// is not kept. <see cref="IsTextComplete"/> is then false, <see cref="GetString"/> refuses it
    /// with a <see cref="JsonReaderException"/> (reading goes on), and
    /// <see cref="ValueEquals"/> and <see cref="ValueEqualsIgnoreCase"/> are false: the caller
    /// needs a buffer only as long as the texts it looks at, not as the ones it skips.</para>
    /// <para>Anything wrong with a document raises <see cref="JsonReaderException"/>, and the
    /// reader then keeps raising that same exception until <see cref="Reset"/>. Misuse by the
    /// caller (arguments out of range, a <see cref="Read"/> before any <see cref="Reset"/>,
    /// <see cref="GetString"/> on a token that is not text) raises the usual argument or
    /// invalid-operation exceptions. A reader serves one thread at a time.</para>
    /// </remarks>
    internal sealed class JsonReader
    {
        /// <summary>
        /// The most objects and arrays that may be open at once, as
        /// <c>JsonReaderOptions.MaxDepth = 32</c> counts them.
        /// </summary>
        internal const int MaxDepth = 32;

        // What the next significant byte may be. Commas are consumed together with the token
        // that follows them and a colon with the name before it, so only these places exist.
        private const int ExpectRootValue = 0;
        private const int ExpectNameOrEndObject = 1;
        private const int ExpectValueOrEndArray = 2;
        private const int ExpectMemberValue = 3;
        private const int ExpectSeparatorOrEnd = 4;
        private const int Finished = 5;

        private readonly int _maxDocumentBytes;
        private readonly char[] _chars;

        // One entry per open container: true for an object, false for an array.
        private readonly bool[] _isObject;

        private byte[] _data;
        private int _origin;
        private int _end;
        private int _position;
        private int _state;
        private int _depth;
        private JsonTokenType _tokenType;
        private int _tokenStart;
        private int _tokenEnd;
        private int _charCount;
        private bool _isInteger;

        // Kept so that reading on after an error cannot resume in the middle of a broken token.
        private JsonReaderException _failure;

        /// <summary>Allocates everything reading will ever need.</summary>
        /// <param name="maxDocumentBytes">Largest document <see cref="Reset"/> accepts, in bytes.</param>
        /// <param name="maxStringChars">
        /// Size of the decoding buffer: the longest string or property name, in UTF-16 chars after
        /// unescaping, whose text is kept. Longer ones are still read and validated, but
        /// <see cref="GetString"/> refuses them and comparisons are false.
        /// </param>
        /// <exception cref="ArgumentOutOfRangeException">A limit is below 1.</exception>
        internal JsonReader(int maxDocumentBytes, int maxStringChars)
        {
            if (maxDocumentBytes < 1)
            {
                throw new ArgumentOutOfRangeException("maxDocumentBytes");
            }

            if (maxStringChars < 1)
            {
                throw new ArgumentOutOfRangeException("maxStringChars");
            }

            _maxDocumentBytes = maxDocumentBytes;
            _chars = new char[maxStringChars];
            _isObject = new bool[MaxDepth];
        }

        /// <summary>The token the last <see cref="Read"/> stopped on.</summary>
        internal JsonTokenType TokenType
        {
            get { return _tokenType; }
        }

        /// <summary>
        /// Nesting of the current token as <c>Utf8JsonReader.CurrentDepth</c> counts it: 0 for the
        /// root value and for the brackets of the root container, 1 for what is directly inside it.
        /// </summary>
        internal int Depth
        {
            get
            {
                // A start token has already been pushed; it still belongs to the outer level.
                return _tokenType == JsonTokenType.StartObject || _tokenType == JsonTokenType.StartArray
                    ? _depth - 1
                    : _depth;
            }
        }

        /// <summary>
        /// Where the current token starts, counted in bytes from the start of the document; for a
        /// string or property name, its opening quote.
        /// </summary>
        internal int TokenOffset
        {
            get { return _tokenStart - _origin; }
        }

        /// <summary>
        /// Length in bytes of the current token as it stands in the document: quotes and escapes
        /// included for text, the literal text of a number.
        /// </summary>
        internal int TokenLength
        {
            get { return _tokenEnd - _tokenStart; }
        }

        /// <summary>
        /// Whether the current token is a string or property name whose text, unescaped, fits in
        /// the decoding buffer, so that <see cref="GetString"/> can give it. False on any other
        /// token.
        /// </summary>
        internal bool IsTextComplete
        {
            get { return IsText() && _charCount <= _chars.Length; }
        }

        /// <summary>
        /// Length of the current string or property name in UTF-16 chars after unescaping
        /// (a surrogate pair counts two), whether or not it fits in the decoding buffer; 0 on any
        /// other token.
        /// </summary>
        internal int TextLength
        {
            get { return IsText() ? _charCount : 0; }
        }

        /// <summary>
        /// Starts reading a new document. Nothing is copied: <paramref name="utf8"/> must stay
        /// unchanged while it is read.
        /// </summary>
        /// <param name="utf8">Buffer holding the document.</param>
        /// <param name="offset">Index of the document's first byte.</param>
        /// <param name="count">Length of the document in bytes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="utf8"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The segment is not inside the buffer.</exception>
        /// <exception cref="JsonReaderException">
        /// The document is larger than the limit given to the constructor; nothing is parsed.
        /// </exception>
        internal void Reset(byte[] utf8, int offset, int count)
        {
            if (utf8 == null)
            {
                throw new ArgumentNullException("utf8");
            }

            if (offset < 0 || offset > utf8.Length)
            {
                throw new ArgumentOutOfRangeException("offset");
            }

            if (count < 0 || count > utf8.Length - offset)
            {
                throw new ArgumentOutOfRangeException("count");
            }

            _data = utf8;
            _origin = offset;
            _end = offset + count;
            _position = offset;
            _state = ExpectRootValue;
            _depth = 0;
            _tokenType = JsonTokenType.None;
            _tokenStart = offset;
            _tokenEnd = offset;
            _charCount = 0;
            _isInteger = false;
            _failure = null;

            if (count > _maxDocumentBytes)
            {
                _failure = new JsonReaderException(
                    "document of " + count.ToString() + " bytes exceeds the " + _maxDocumentBytes.ToString() + "-byte limit",
                    _maxDocumentBytes);
                throw _failure;
            }
        }

        /// <summary>Moves to the next token.</summary>
        /// <returns>
        /// True on a token; false once the root value is complete and only whitespace follows it.
        /// </returns>
        /// <exception cref="JsonReaderException">The document is not acceptable JSON.</exception>
        /// <exception cref="InvalidOperationException"><see cref="Reset"/> was never called.</exception>
        internal bool Read()
        {
            if (_failure != null)
            {
                throw _failure;
            }

            if (_data == null)
            {
                throw new InvalidOperationException("no document");
            }

            SkipWhitespace();
            switch (_state)
            {
                case ExpectRootValue:
                    if (_position == _end)
                    {
                        throw Fail("empty document", _position);
                    }

                    ReadValue();
                    return true;

                case ExpectNameOrEndObject:
                    if (Next() == (byte)'}')
                    {
                        ReadEndContainer();
                    }
                    else
                    {
                        ReadPropertyName();
                    }

                    return true;

                case ExpectValueOrEndArray:
                    if (Next() == (byte)']')
                    {
                        ReadEndContainer();
                    }
                    else
                    {
                        ReadValue();
                    }

                    return true;

                case ExpectMemberValue:
                    ReadValue();
                    return true;

                case ExpectSeparatorOrEnd:
                    return ReadAfterValue();

                default:
                    return false;
            }
        }

        /// <summary>
        /// Skips the current value. On a property name, moves to its value first. On the start of
        /// an object or array, reads (and so validates) up to its matching end token, which becomes
        /// the current token. On anything else, does nothing.
        /// </summary>
        /// <exception cref="JsonReaderException">
        /// The skipped part is not acceptable JSON, or an earlier error stopped the reader.
        /// </exception>
        internal void Skip()
        {
            if (_failure != null)
            {
                throw _failure;
            }

            if (_tokenType == JsonTokenType.PropertyName)
            {
                Read();
            }

            if (_tokenType == JsonTokenType.StartObject || _tokenType == JsonTokenType.StartArray)
            {
                // Inside the container Read cannot return false: a missing end is an error.
                int outside = _depth - 1;
                while (_depth > outside)
                {
                    Read();
                }
            }
        }

        /// <summary>The current string or property name, unescaped. Allocates the string.</summary>
        /// <returns>The text.</returns>
        /// <exception cref="InvalidOperationException">The current token is not text.</exception>
        /// <exception cref="JsonReaderException">
        /// The text is longer than the decoding buffer (<see cref="IsTextComplete"/> is false):
        /// "string longer than N chars at byte X", X the token's offset. The reader is not
        /// stopped by it: <see cref="Read"/> goes on.
        /// </exception>
        internal string GetString()
        {
            if (!IsText())
            {
                throw new InvalidOperationException("not a string");
            }

            if (_charCount > _chars.Length)
            {
                int offset = _tokenStart - _origin;
                throw new JsonReaderException(
                    "string longer than " + _chars.Length.ToString() + " chars at byte " + offset.ToString(),
                    offset);
            }

            return new string(_chars, 0, _charCount);
        }

        /// <summary>
        /// Whether the current string or property name, unescaped, is exactly
        /// <paramref name="text"/>. Allocates nothing.
        /// </summary>
        /// <param name="text">The text to compare with.</param>
        /// <returns>
        /// False as well when the current token is not text, its text did not fit in the decoding
        /// buffer (it cannot equal a text that does, and is not kept to compare with a longer one),
        /// or <paramref name="text"/> is null.
        /// </returns>
        internal bool ValueEquals(string text)
        {
            if (!IsTextComplete || text == null || text.Length != _charCount)
            {
                return false;
            }

            for (int i = 0; i < _charCount; i++)
            {
                if (_chars[i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Whether the current string or property name, unescaped, equals
        /// <paramref name="asciiText"/> when ASCII letters are compared without regard to case.
        /// Other chars must match exactly, so no non-ASCII letter (such as the Kelvin sign) ever
        /// matches an ASCII one. Allocates nothing.
        /// </summary>
        /// <param name="asciiText">The text to compare with.</param>
        /// <returns>
        /// False as well when the current token is not text, its text did not fit in the decoding
        /// buffer, or <paramref name="asciiText"/> is null.
        /// </returns>
        internal bool ValueEqualsIgnoreCase(string asciiText)
        {
            if (!IsTextComplete || asciiText == null || asciiText.Length != _charCount)
            {
                return false;
            }

            for (int i = 0; i < _charCount; i++)
            {
                if (FoldAscii(_chars[i]) != FoldAscii(asciiText[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The current number as a 64-bit integer, if it is one.</summary>
        /// <param name="value">The number, or 0 when the method returns false.</param>
        /// <returns>
        /// False when the current token is not a number, has a fraction or an exponent (even
        /// <c>1.0</c> or <c>1e2</c>), or lies outside the range of <see cref="long"/>.
        /// </returns>
        internal bool TryGetInt64(out long value)
        {
            value = 0;
            if (_tokenType != JsonTokenType.Number || !_isInteger)
            {
                return false;
            }

            int p = _tokenStart;
            bool negative = _data[p] == (byte)'-';
            if (negative)
            {
                p++;
            }

            // The magnitude of long.MinValue is one more than long.MaxValue; ulong holds both.
            ulong limit = negative ? 9223372036854775808UL : 9223372036854775807UL;
            ulong magnitude = 0;
            for (; p < _tokenEnd; p++)
            {
                uint digit = (uint)(_data[p] - (byte)'0');
                if (magnitude > (limit - digit) / 10)
                {
                    return false;
                }

                magnitude = magnitude * 10 + digit;
            }

            value = negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
            return true;
        }

        /// <summary>The current token as a boolean, if it is <c>true</c> or <c>false</c>.</summary>
        /// <param name="value">The value, or false when the method returns false.</param>
        /// <returns>False when the current token is neither literal.</returns>
        internal bool TryGetBoolean(out bool value)
        {
            value = _tokenType == JsonTokenType.True;
            return value || _tokenType == JsonTokenType.False;
        }

        private static char FoldAscii(char c)
        {
            return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
        }

        private static bool IsDigit(byte b)
        {
            return b >= (byte)'0' && b <= (byte)'9';
        }

        private static bool IsWhitespace(byte b)
        {
            return b == (byte)' ' || b == (byte)'\n' || b == (byte)'\r' || b == (byte)'\t';
        }

        private static int HexValue(byte b)
        {
            if (b >= (byte)'0' && b <= (byte)'9')
            {
                return b - '0';
            }

            // Setting bit 5 maps 'A'..'F' onto 'a'..'f' and no other byte into that range.
            int lower = b | 0x20;
            return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
        }

        private bool IsText()
        {
            return _tokenType == JsonTokenType.String || _tokenType == JsonTokenType.PropertyName;
        }

        /// <summary>
        /// Records the error so that later reads repeat it, and returns it to throw. The token is
        /// cleared: a string that failed halfway has already overwritten the char buffer.
        /// </summary>
        private JsonReaderException Fail(string reason, int index)
        {
            int offset = index - _origin;
            _tokenType = JsonTokenType.None;
            _failure = new JsonReaderException(reason + " at byte " + offset.ToString(), offset);
            return _failure;
        }

        private void SkipWhitespace()
        {
            while (_position < _end && IsWhitespace(_data[_position]))
            {
                _position++;
            }
        }

        /// <summary>The byte at the current position, which must exist.</summary>
        private byte Next()
        {
            if (_position == _end)
            {
                throw Fail("unexpected end of document", _position);
            }

            return _data[_position];
        }

        private bool ReadAfterValue()
        {
            if (_depth == 0)
            {
                if (_position != _end)
                {
                    throw Fail("data after the root value", _position);
                }

                _state = Finished;
                return false;
            }

            bool inObject = _isObject[_depth - 1];
            byte close = inObject ? (byte)'}' : (byte)']';
            byte b = Next();
            if (b == close)
            {
                ReadEndContainer();
                return true;
            }

            if (b != (byte)',')
            {
                throw Fail(inObject ? "expected ',' or '}'" : "expected ',' or ']'", _position);
            }

            _position++;
            SkipWhitespace();
            if (Next() == close)
            {
                throw Fail("trailing comma", _position);
            }

            if (inObject)
            {
                ReadPropertyName();
            }
            else
            {
                ReadValue();
            }

            return true;
        }

        private void ReadPropertyName()
        {
            if (Next() != (byte)'"')
            {
                throw Fail("expected a property name", _position);
            }

            ReadString();

            // A name is only a name with its colon: checking it here, as Utf8JsonReader does,
            // means no PropertyName token is ever produced for a broken member.
            SkipWhitespace();
            if (Next() != (byte)':')
            {
                throw Fail("expected ':'", _position);
            }

            _position++;
            _tokenType = JsonTokenType.PropertyName;
            _state = ExpectMemberValue;
        }

        private void ReadValue()
        {
            byte b = Next();
            switch (b)
            {
                case (byte)'{':
                    ReadStartContainer(true);
                    return;
                case (byte)'[':
                    ReadStartContainer(false);
                    return;
                case (byte)'"':
                    ReadString();
                    _tokenType = JsonTokenType.String;
                    break;
                case (byte)'t':
                    ReadLiteral("true", JsonTokenType.True);
                    break;
                case (byte)'f':
                    ReadLiteral("false", JsonTokenType.False);
                    break;
                case (byte)'n':
                    ReadLiteral("null", JsonTokenType.Null);
                    break;
                default:
                    if (b != (byte)'-' && !IsDigit(b))
                    {
                        throw Fail("expected a value", _position);
                    }

                    ReadNumber();
                    break;
            }

            _state = ExpectSeparatorOrEnd;
        }

        private void ReadStartContainer(bool isObject)
        {
            if (_depth == MaxDepth)
            {
                throw Fail("nesting deeper than " + MaxDepth.ToString(), _position);
            }

            _isObject[_depth] = isObject;
            _depth++;
            _tokenType = isObject ? JsonTokenType.StartObject : JsonTokenType.StartArray;
            _tokenStart = _position;
            _position++;
            _tokenEnd = _position;
            _state = isObject ? ExpectNameOrEndObject : ExpectValueOrEndArray;
        }

        private void ReadEndContainer()
        {
            _depth--;
            _tokenType = _isObject[_depth] ? JsonTokenType.EndObject : JsonTokenType.EndArray;
            _tokenStart = _position;
            _position++;
            _tokenEnd = _position;
            _state = ExpectSeparatorOrEnd;
        }

        private void ReadLiteral(string literal, JsonTokenType type)
        {
            int start = _position;
            for (int i = 0; i < literal.Length; i++)
            {
                if (_position == _end || _data[_position] != (byte)literal[i])
                {
                    throw Fail("invalid literal", start);
                }

                _position++;
            }

            _tokenType = type;
            _tokenStart = start;
            _tokenEnd = _position;
        }

        private void ReadNumber()
        {
            int p = _position;
            bool integer = true;
            if (_data[p] == (byte)'-')
            {
                p++;
            }

            if (p < _end && _data[p] == (byte)'0')
            {
                p++;
            }
            else
            {
                p = SkipDigits(p);
            }

            if (p < _end && _data[p] == (byte)'.')
            {
                integer = false;
                p = SkipDigits(p + 1);
            }

            if (p < _end && (_data[p] | 0x20) == (byte)'e')
            {
                integer = false;
                p++;
                if (p < _end && (_data[p] == (byte)'+' || _data[p] == (byte)'-'))
                {
                    p++;
                }

                p = SkipDigits(p);
            }

            // The grammar ends the number here; what follows must end the token as well, or
            // "01" and "1x" would read as two tokens. Inside a container the document cannot
            // end here either; refusing now, as Utf8JsonReader does, keeps the two readers'
            // tokens before an error the same.
            if (p == _end && _depth > 0)
            {
                throw Fail("unexpected end of document", p);
            }

            if (p < _end)
            {
                byte b = _data[p];
                if (IsDigit(b))
                {
                    throw Fail("leading zero", p);
                }

                if (!IsWhitespace(b) && b != (byte)',' && b != (byte)']' && b != (byte)'}')
                {
                    throw Fail("invalid character after a number", p);
                }
            }

            _tokenType = JsonTokenType.Number;
            _tokenStart = _position;
            _tokenEnd = p;
            _isInteger = integer;
            _position = p;
        }

        /// <summary>Skips one or more digits from <paramref name="p"/>; returns the index after them.</summary>
        private int SkipDigits(int p)
        {
            if (p == _end || !IsDigit(_data[p]))
            {
                throw Fail("expected a digit", p);
            }

            do
            {
                p++;
            }
            while (p < _end && IsDigit(_data[p]));
            return p;
        }

        /// <summary>
        /// Validates the string at the current position and decodes it into the char buffer, as
        /// far as it fits; its length is counted to the end.
        /// </summary>
        private void ReadString()
        {
            int start = _position;
            _tokenStart = start;
            _charCount = 0;
            int p = start + 1;
            while (true)
            {
                if (p >= _end)
                {
                    throw Fail("unterminated string", start);
                }

                byte b = _data[p];
                if (b == (byte)'"')
                {
                    break;
                }

                if (b == (byte)'\\')
                {
                    p = ReadEscape(p, start);
                }
                else if (b < 0x20)
                {
                    throw Fail("control character in string", p);
                }
                else if (b < 0x80)
                {
                    Append((char)b);
                    p++;
                }
                else
                {
                    p = ReadUtf8Sequence(p);
                }
            }

            _position = p + 1;
            _tokenEnd = _position;
        }

        /// <summary>Decodes the escape at <paramref name="p"/> (its backslash); returns the index after it.</summary>
        private int ReadEscape(int p, int stringStart)
        {
            if (p + 1 >= _end)
            {
                throw Fail("unterminated string", stringStart);
            }

            switch (_data[p + 1])
            {
                case (byte)'"':
                    Append('"');
                    break;
                case (byte)'\\':
                    Append('\\');
                    break;
                case (byte)'/':
                    Append('/');
                    break;
                case (byte)'b':
                    Append('\b');
                    break;
                case (byte)'f':
                    Append('\f');
                    break;
                case (byte)'n':
                    Append('\n');
                    break;
                case (byte)'r':
                    Append('\r');
                    break;
                case (byte)'t':
                    Append('\t');
                    break;
                case (byte)'u':
                    return ReadUnicodeEscape(p, stringStart);
                default:
                    throw Fail("invalid escape", p);
            }

            return p + 2;
        }

        /// <summary>
        /// Decodes <c>\uXXXX</c> at <paramref name="p"/>, and the low half that must follow a high
        /// surrogate. A surrogate without its other half is refused: it is not text, and
        /// System.Text.Json refuses to turn it into a string too.
        /// </summary>
        private int ReadUnicodeEscape(int p, int stringStart)
        {
            int unit = ReadHex4(p + 2, stringStart);
            if (unit < 0xD800 || unit > 0xDFFF)
            {
                Append((char)unit);
                return p + 6;
            }

            int q = p + 6;
            if (unit > 0xDBFF || q + 1 >= _end || _data[q] != (byte)'\\' || _data[q + 1] != (byte)'u')
            {
                throw Fail("lone surrogate escape", p);
            }

            int low = ReadHex4(q + 2, stringStart);
            if (low < 0xDC00 || low > 0xDFFF)
            {
                throw Fail("lone surrogate escape", p);
            }

            Append((char)unit);
            Append((char)low);
            return q + 6;
        }

        private int ReadHex4(int p, int stringStart)
        {
            int value = 0;
            for (int i = p; i < p + 4; i++)
            {
                if (i >= _end)
                {
                    throw Fail("unterminated string", stringStart);
                }

                int digit = HexValue(_data[i]);
                if (digit < 0)
                {
                    throw Fail("invalid \\u escape", i);
                }

                value = (value << 4) | digit;
            }

            return value;
        }

        /// <summary>
        /// Decodes the multi-byte UTF-8 sequence at <paramref name="p"/>; returns the index after
        /// it. Refuses what RFC 3629 forbids: stray continuation bytes, overlong forms, encoded
        /// surrogates, code points past U+10FFFF and truncated sequences.
        /// </summary>
        private int ReadUtf8Sequence(int p)
        {
            int b = _data[p];
            int continuations;
            int codePoint;
            int smallest;
            if (b >= 0xC2 && b <= 0xDF)
            {
                continuations = 1;
                codePoint = b & 0x1F;
                smallest = 0x80;
            }
            else if (b >= 0xE0 && b <= 0xEF)
            {
                continuations = 2;
                codePoint = b & 0x0F;
                smallest = 0x800;
            }
            else if (b >= 0xF0 && b <= 0xF4)
            {
                continuations = 3;
                codePoint = b & 0x07;
                smallest = 0x10000;
            }
            else
            {
                throw Fail("invalid UTF-8", p);
            }

            for (int i = p + 1; i <= p + continuations; i++)
            {
                if (i >= _end || (_data[i] & 0xC0) != 0x80)
                {
                    throw Fail("invalid UTF-8", p);
                }

                codePoint = (codePoint << 6) | (_data[i] & 0x3F);
            }

            if (codePoint < smallest || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            {
                throw Fail("invalid UTF-8", p);
            }

            if (codePoint < 0x10000)
            {
                Append((char)codePoint);
            }
            else
            {
                codePoint -= 0x10000;
                Append((char)(0xD800 + (codePoint >> 10)));
                Append((char)(0xDC00 + (codePoint & 0x3FF)));
            }

            return p + continuations + 1;
        }

        /// <summary>Counts one more char of the current text, and keeps it if the buffer has room.</summary>
        private void Append(char c)
        {
            if (_charCount < _chars.Length)
            {
                _chars[_charCount] = c;
            }

            _charCount++;
        }
    }
}
