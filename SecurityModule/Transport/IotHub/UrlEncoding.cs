namespace NanoSecurity
{
    /// <summary>
    /// Percent-encoding of the IoT Hub SAS token and topic property values, byte for byte as
    /// azure-sdk-for-c does it (<c>az_span.c</c>, <c>_az_span_url_should_encode</c> and
    /// <c>_az_span_copy_url_encode</c>): the RFC 3986 unreserved characters
    /// <c>A-Z a-z 0-9 - . _ ~</c> stay, every other UTF-8 byte becomes <c>%XX</c> in uppercase hex.
    /// </summary>
    /// <remarks>
    /// Not nanoFramework.Azure.Devices' <c>HttpUtility.UrlEncode</c>, which keeps <c>( ) * !</c> and
    /// writes a space as <c>+</c>: the hub computes the signature over the resource URI the way the
    /// C SDK sends it, so we follow the C SDK.
    /// </remarks>
    internal static class UrlEncoding
    {
        private const string HexDigits = "0123456789ABCDEF";
        private const int ReplacementCharacter = 0xFFFD;

        /// <summary>Returns <paramref name="value"/> percent-encoded; null gives an empty string.</summary>
        /// <param name="value">Text to encode. A lone surrogate is encoded as U+FFFD, as UTF-8 cannot hold it.</param>
        internal static string Encode(string value)
        {
            if (value == null || value.Length == 0)
            {
                return string.Empty;
            }

            // Two passes (measure, then fill) because mscorlib has neither StringBuilder nor Encoding.
            var chars = new char[Write(value, null)];
            Write(value, chars);
            return new string(chars);
        }

        /// <summary>Encodes into <paramref name="output"/>, or only measures when it is null.</summary>
        /// <returns>Characters of the encoded text.</returns>
        private static int Write(string value, char[] output)
        {
            int length = 0;
            int count = value.Length;
            for (int i = 0; i < count; i++)
            {
                int c = value[i];
                int pair;
                if (c < 0x80)
                {
                    length = IsUnreserved(c) ? Put(output, length, (char)c) : PutByte(output, length, c);
                }
                else if (c < 0x800)
                {
                    length = PutByte(output, length, 0xC0 | (c >> 6));
                    length = PutByte(output, length, 0x80 | (c & 0x3F));
                }
                else if (Utf16.IsHighSurrogate(c) && (pair = Utf16.PairAt(value, i)) >= 0)
                {
                    int codePoint = pair;
                    i++;
                    length = PutByte(output, length, 0xF0 | (codePoint >> 18));
                    length = PutByte(output, length, 0x80 | ((codePoint >> 12) & 0x3F));
                    length = PutByte(output, length, 0x80 | ((codePoint >> 6) & 0x3F));
                    length = PutByte(output, length, 0x80 | (codePoint & 0x3F));
                }
                else
                {
                    int codePoint = c >= 0xD800 && c <= 0xDFFF ? ReplacementCharacter : c;
                    length = PutByte(output, length, 0xE0 | (codePoint >> 12));
                    length = PutByte(output, length, 0x80 | ((codePoint >> 6) & 0x3F));
                    length = PutByte(output, length, 0x80 | (codePoint & 0x3F));
                }
            }

            return length;
        }

        private static bool IsUnreserved(int c)
        {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
        }

        private static int PutByte(char[] output, int at, int value)
        {
            at = Put(output, at, '%');
            at = Put(output, at, HexDigits[value >> 4]);
            return Put(output, at, HexDigits[value & 0x0F]);
        }

        private static int Put(char[] output, int at, char c)
        {
            if (output != null)
            {
                output[at] = c;
            }

            return at + 1;
        }
    }
}
