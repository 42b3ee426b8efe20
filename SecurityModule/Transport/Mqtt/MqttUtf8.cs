using System;

namespace NanoSecurity
{
    /// <summary>
    /// UTF-8 for MQTT strings, by hand because nanoFramework's mscorlib has no Encoding class.
    /// MQTT 3.1.1 section 1.5.3 asks for well-formed UTF-8 without U+0000 and without encoded
    /// surrogates; both directions enforce that.
    /// </summary>
    internal static class MqttUtf8
    {
        private const char HighSurrogateFirst = '\uD800';
        private const char LowSurrogateFirst = '\uDC00';
        private const char LowSurrogateLast = '\uDFFF';

        /// <summary>Bytes <paramref name="text"/> takes in UTF-8.</summary>
        /// <param name="text">The text.</param>
        /// <returns>The byte count.</returns>
        /// <exception cref="ArgumentException">The text holds U+0000 or an unpaired surrogate.</exception>
        internal static int GetByteCount(string text)
        {
            int bytes = 0;
            int length = text.Length;
            for (int i = 0; i < length; i++)
            {
                char c = text[i];
                if (c == '\0')
                {
                    throw new ArgumentException("MQTT strings may not contain U+0000");
                }

                if (c < 0x80)
                {
                    bytes += 1;
                }
                else if (c < 0x800)
                {
                    bytes += 2;
                }
                else if (c < HighSurrogateFirst || c > LowSurrogateLast)
                {
                    bytes += 3;
                }
                else if (Utf16.IsHighSurrogate(c) && Utf16.PairAt(text, i) >= 0)
                {
                    bytes += 4;
                    i++;
                }
                else
                {
                    throw new ArgumentException("unpaired surrogate in an MQTT string");
                }
            }

            return bytes;
        }

        /// <summary>
        /// Encodes <paramref name="text"/>; the caller has checked it with
        /// <see cref="GetByteCount"/> and made room for that many bytes.
        /// </summary>
        /// <param name="text">The text.</param>
        /// <param name="buffer">Destination.</param>
        /// <param name="offset">Index of the first byte to write.</param>
        /// <returns>Index after the last byte written.</returns>
        internal static int Write(string text, byte[] buffer, int offset)
        {
            int length = text.Length;
            for (int i = 0; i < length; i++)
            {
                int c = text[i];
                if (c < 0x80)
                {
                    buffer[offset++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    buffer[offset++] = (byte)(0xC0 | (c >> 6));
                    buffer[offset++] = (byte)(0x80 | (c & 0x3F));
                }
                else if (c < HighSurrogateFirst || c > LowSurrogateLast)
                {
                    buffer[offset++] = (byte)(0xE0 | (c >> 12));
                    buffer[offset++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | (c & 0x3F));
                }
                else
                {
                    int codePoint = Utf16.PairAt(text, i++);
                    buffer[offset++] = (byte)(0xF0 | (codePoint >> 18));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | (codePoint & 0x3F));
                }
            }

            return offset;
        }

        /// <summary>
        /// Checks <paramref name="count"/> bytes of UTF-8 and, when <paramref name="chars"/> is
        /// given, decodes them into it (code points above U+FFFF as surrogate pairs).
        /// </summary>
        /// <param name="buffer">Source.</param>
        /// <param name="offset">Index of the first byte.</param>
        /// <param name="count">Bytes to decode.</param>
        /// <param name="chars">Destination with room for <paramref name="count"/> chars, or null to only check.</param>
        /// <returns>Chars the text decodes to.</returns>
        /// <exception cref="MqttProtocolException">
        /// The bytes are not well-formed UTF-8 (overlong, truncated, surrogate, above U+10FFFF) or hold U+0000.
        /// </exception>
        internal static int Decode(byte[] buffer, int offset, int count, char[] chars)
        {
            int end = offset + count;
            int written = 0;
            while (offset < end)
            {
                int b = buffer[offset++];
                int codePoint;
                int continuations;
                int minimum;
                if (b < 0x80)
                {
                    if (b == 0)
                    {
                        throw new MqttProtocolException("string contains U+0000");
                    }

                    codePoint = b;
                    continuations = 0;
                    minimum = 0;
                }
                else if (b >= 0xC2 && b < 0xE0)
                {
                    codePoint = b & 0x1F;
                    continuations = 1;
                    minimum = 0x80;
                }
                else if (b >= 0xE0 && b < 0xF0)
                {
                    codePoint = b & 0x0F;
                    continuations = 2;
                    minimum = 0x800;
                }
                else if (b >= 0xF0 && b < 0xF5)
                {
                    codePoint = b & 0x07;
                    continuations = 3;
                    minimum = 0x10000;
                }
                else
                {
                    throw new MqttProtocolException("string is not UTF-8: invalid lead byte");
                }

                if (end - offset < continuations)
                {
                    throw new MqttProtocolException("string is not UTF-8: truncated sequence");
                }

                for (int k = 0; k < continuations; k++)
                {
                    int next = buffer[offset++];
                    if ((next & 0xC0) != 0x80)
                    {
                        throw new MqttProtocolException("string is not UTF-8: missing continuation byte");
                    }

                    codePoint = (codePoint << 6) | (next & 0x3F);
                }

                if (codePoint < minimum)
                {
                    throw new MqttProtocolException("string is not UTF-8: overlong encoding");
                }

                if (codePoint >= HighSurrogateFirst && codePoint <= LowSurrogateLast)
                {
                    throw new MqttProtocolException("string is not UTF-8: encoded surrogate");
                }

                if (codePoint > 0x10FFFF)
                {
                    throw new MqttProtocolException("string is not UTF-8: code point above U+10FFFF");
                }

                if (codePoint < 0x10000)
                {
                    if (chars != null)
                    {
                        chars[written] = (char)codePoint;
                    }

                    written++;
                }
                else
                {
                    if (chars != null)
                    {
                        codePoint -= 0x10000;
                        chars[written] = (char)(HighSurrogateFirst + (codePoint >> 10));
                        chars[written + 1] = (char)(LowSurrogateFirst + (codePoint & 0x3FF));
                    }

                    written += 2;
                }
            }

            return written;
        }
    }
}
