using System;

namespace NanoSecurity
{
    /// <summary>
    /// Writes JSON tokens as UTF-8 into one buffer allocated up front. No write allocates:
    /// strings are encoded and numbers, addresses and timestamps are formatted byte by byte.
    /// </summary>
    /// <remarks>
    /// Every write is all or nothing: a token that would pass <see cref="Limit"/> leaves
    /// <see cref="Length"/> as it was and sets <see cref="Overflowed"/>, after which writes do
    /// nothing until <see cref="Reset"/> or <see cref="Clear"/>. Bytes at and past
    /// <see cref="Length"/> are scratch and may hold parts of a token that did not fit.
    /// </remarks>
    internal sealed class JsonWriter
    {
        private const string HexDigits = "0123456789abcdef";

        // Only ±23:59 keeps the hour of an offset at two digits, as RFC 3339 requires.
        private const int MaxOffsetMinutes = 23 * 60 + 59;

        private readonly byte[] _buffer;
        private int _length;
        private int _limit;
        private bool _overflowed;

        /// <summary>Allocates the buffer that every later write goes into.</summary>
        /// <param name="capacity">Size of the buffer in bytes.</param>
        internal JsonWriter(int capacity)
        {
            _buffer = new byte[capacity];
            _limit = capacity;
        }

        /// <summary>The output; only the first <see cref="Length"/> bytes are meaningful.</summary>
        internal byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>Number of bytes written.</summary>
        internal int Length
        {
            get { return _length; }
        }

        /// <summary>Size of <see cref="Buffer"/>.</summary>
        internal int Capacity
        {
            get { return _buffer.Length; }
        }

        /// <summary>
        /// The end that writes may not pass, at most <see cref="Capacity"/>. Callers lower it to
        /// keep room for the closing brackets and raise it again to write them.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">
        /// The value is negative or greater than <see cref="Capacity"/>.
        /// </exception>
        internal int Limit
        {
            get
            {
                return _limit;
            }

            set
            {
                if (value < 0 || value > _buffer.Length)
                {
                    throw new ArgumentOutOfRangeException("value");
                }

                _limit = value;
            }
        }

        /// <summary>True once a write did not fit under <see cref="Limit"/>.</summary>
        internal bool Overflowed
        {
            get { return _overflowed; }
        }

        /// <summary>
        /// Truncates the output back to a mark taken from <see cref="Length"/> and clears
        /// <see cref="Overflowed"/>.
        /// </summary>
        /// <param name="length">The mark; at most the current <see cref="Length"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException">
        /// <paramref name="length"/> is negative or past <see cref="Length"/>.
        /// </exception>
        internal void Reset(int length)
        {
            if (length < 0 || length > _length)
            {
                throw new ArgumentOutOfRangeException("length");
            }

            _length = length;
            _overflowed = false;
        }

        /// <summary>Empties the output and sets <see cref="Limit"/> back to <see cref="Capacity"/>.</summary>
        internal void Clear()
        {
            Reset(0);
            _limit = _buffer.Length;
        }

        /// <summary>Writes ASCII text as it is, without quotes or escaping.</summary>
        /// <param name="ascii">Literal JSON such as <c>{"Name":</c>; every char below 0x80.</param>
        /// <exception cref="ArgumentException">A char is not ASCII; nothing is written.</exception>
        internal void WriteRaw(string ascii)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            for (int i = 0; i < ascii.Length; i++)
            {
                char c = ascii[i];
                if (c >= 0x80)
                {
                    // A cast would silently turn the char into a different byte.
                    _length = mark;
                    throw new ArgumentException("not ASCII", "ascii");
                }

                Put((byte)c);
            }

            End(mark);
        }

        /// <summary>Writes one byte as it is.</summary>
        /// <param name="value">The byte.</param>
        internal void WriteByte(byte value)
        {
            if (_overflowed)
            {
                return;
            }

            Put(value);
        }

        /// <summary>
        /// Writes a quoted JSON string in UTF-8. Escapes <c>"</c>, <c>\</c> and control
        /// characters; a lone surrogate becomes U+FFFD. Null writes <c>""</c>.
        /// </summary>
        /// <param name="value">The text, or null.</param>
        internal void WriteString(string value)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            if (value != null)
            {
                int count = value.Length;
                for (int i = 0; i < count; i++)
                {
                    int c = value[i];
                    if (c < 0x80)
                    {
                        PutAsciiEscaped(c);
                    }
                    else if (c < 0x800)
                    {
                        Put((byte)(0xC0 | (c >> 6)));
                        Put((byte)(0x80 | (c & 0x3F)));
                    }
                    else if (c < 0xD800 || c > 0xDFFF)
                    {
                        PutThreeByteSequence(c);
                    }
                    else
                    {
                        int codePoint = Utf16.IsHighSurrogate(c) ? Utf16.PairAt(value, i) : -1;
                        if (codePoint >= 0)
                        {
                            i++;
                            Put((byte)(0xF0 | (codePoint >> 18)));
                            Put((byte)(0x80 | ((codePoint >> 12) & 0x3F)));
                            Put((byte)(0x80 | ((codePoint >> 6) & 0x3F)));
                            Put((byte)(0x80 | (codePoint & 0x3F)));
                        }
                        else
                        {
                            // UTF-8 cannot encode a surrogate on its own; JSON parsers reject it.
                            PutThreeByteSequence(0xFFFD);
                        }
                    }
                }
            }

            Put((byte)'"');
            End(mark);
        }

        /// <summary>Writes an unsigned number in decimal.</summary>
        /// <param name="value">The number.</param>
        internal void WriteUInt64(ulong value)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            PutDecimal(value);
            End(mark);
        }

        /// <summary>Writes a signed number in decimal.</summary>
        /// <param name="value">The number; <see cref="long.MinValue"/> included.</param>
        internal void WriteInt64(long value)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            if (value < 0)
            {
                Put((byte)'-');

                // Negating in ulong keeps long.MinValue, whose magnitude no long holds.
                PutDecimal(unchecked(0UL - (ulong)value));
            }
            else
            {
                PutDecimal((ulong)value);
            }

            End(mark);
        }

        /// <summary>Writes an unsigned number in decimal inside quotes, e.g. <c>"123"</c>.</summary>
        /// <param name="value">The number.</param>
        internal void WriteQuotedUInt64(ulong value)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            PutDecimal(value);
            Put((byte)'"');
            End(mark);
        }

        /// <summary>Writes an IPv4 address as a quoted dotted quad.</summary>
        /// <param name="address">The address; its most significant byte is the first octet.</param>
        internal void WriteIpv4(uint address)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            PutDottedQuad((int)(address >> 24), (int)((address >> 16) & 0xFF), (int)((address >> 8) & 0xFF), (int)(address & 0xFF));
            Put((byte)'"');
            End(mark);
        }

        /// <summary>
        /// Writes an IPv6 address quoted, in the text <c>System.Net.IPAddress.ToString()</c> gives:
        /// RFC 5952 (lowercase hex without leading zeros, the first longest run of two or more
        /// zero groups as <c>::</c>), with the last 32 bits as a dotted quad for IPv4-compatible
        /// (<c>::a.b.c.d</c>), IPv4-mapped (<c>::ffff:a.b.c.d</c>) and IPv4-translated
        /// (<c>::ffff:0:a.b.c.d</c>) addresses whose seventh group is not zero, and for ISATAP
        /// interface identifiers (<c>…:0:5efe:a.b.c.d</c>).
        /// </summary>
        /// <param name="address">Holds the 16 bytes in network order.</param>
        /// <param name="offset">Index of the first byte in <paramref name="address"/>.</param>
        internal void WriteIpv6(byte[] address, int offset)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            bool embedsIpv4 = EmbedsIpv4(address, offset);

            // The dotted quad takes the last two groups, so they cannot join the "::".
            int groupCount = embedsIpv4 ? 6 : 8;

            int zeroStart = -1;
            int zeroLength = 0;
            int runLength = 0;
            for (int i = 0; i < groupCount; i++)
            {
                if (Group(address, offset, i) != 0)
                {
                    runLength = 0;
                    continue;
                }

                runLength++;
                if (runLength > zeroLength)
                {
                    zeroLength = runLength;
                    zeroStart = i - runLength + 1;
                }
            }

            // RFC 5952 4.2.2: a single zero group stays.
            if (zeroLength < 2)
            {
                zeroStart = -1;
            }

            Put((byte)'"');
            bool colonBeforeNext = false;
            for (int i = 0; i < groupCount; i++)
            {
                if (i == zeroStart)
                {
                    Put((byte)':');
                    Put((byte)':');
                    colonBeforeNext = false;
                    i += zeroLength - 1;
                    continue;
                }

                if (colonBeforeNext)
                {
                    Put((byte)':');
                }

                PutHex(Group(address, offset, i));
                colonBeforeNext = true;
            }

            if (embedsIpv4)
            {
                if (colonBeforeNext)
                {
                    Put((byte)':');
                }

                PutDottedQuad(address[offset + 12], address[offset + 13], address[offset + 14], address[offset + 15]);
            }

            Put((byte)'"');
            End(mark);
        }

        /// <summary>Writes a UTC time quoted as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
        /// <param name="utc">The time in UTC.</param>
        internal void WriteTimestampUtc(DateTime utc)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            PutDateTime(utc);
            Put((byte)'Z');
            Put((byte)'"');
            End(mark);
        }

        /// <summary>
        /// Writes the local time <paramref name="utc"/> + <paramref name="offsetMinutes"/> quoted as
        /// <c>yyyy-MM-ddTHH:mm:ss.fff+hh:mm</c> (or <c>-hh:mm</c>); offset 0 gives <c>+00:00</c>.
        /// </summary>
        /// <param name="utc">The time in UTC.</param>
        /// <param name="offsetMinutes">Local time minus UTC, in minutes, within ±23:59.</param>
        /// <exception cref="ArgumentOutOfRangeException">
        /// The offset is beyond ±23:59, or the local time is outside <see cref="DateTime"/>'s range.
        /// </exception>
        internal void WriteTimestampLocal(DateTime utc, int offsetMinutes)
        {
            if (offsetMinutes < -MaxOffsetMinutes || offsetMinutes > MaxOffsetMinutes)
            {
                throw new ArgumentOutOfRangeException("offsetMinutes");
            }

            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            PutDateTime(utc.AddTicks(offsetMinutes * TimeSpan.TicksPerMinute));
            int magnitude = offsetMinutes;
            if (offsetMinutes < 0)
            {
                Put((byte)'-');
                magnitude = -offsetMinutes;
            }
            else
            {
                Put((byte)'+');
            }

            PutTwoDigits(magnitude / 60);
            Put((byte)':');
            PutTwoDigits(magnitude % 60);
            Put((byte)'"');
            End(mark);
        }

        /// <summary>
        /// Writes 16 bytes quoted as lowercase 8-4-4-4-12 hex, in the order they are stored
        /// (not the mixed-endian order of <c>System.Guid</c>).
        /// </summary>
        /// <param name="bytes">Holds the 16 bytes.</param>
        /// <param name="offset">Index of the first byte in <paramref name="bytes"/>.</param>
        internal void WriteGuid(byte[] bytes, int offset)
        {
            if (_overflowed)
            {
                return;
            }

            int mark = _length;
            Put((byte)'"');
            for (int i = 0; i < 16; i++)
            {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                {
                    Put((byte)'-');
                }

                int b = bytes[offset + i];
                Put((byte)HexDigits[b >> 4]);
                Put((byte)HexDigits[b & 0xF]);
            }

            Put((byte)'"');
            End(mark);
        }

        // Same choice as System.Net.IPAddress (IPv6AddressHelper.ShouldHaveIpv4Embedded); the
        // seventh group must be nonzero for the ::/96 forms so that ::1 is not "::0.0.0.1".
        private static bool EmbedsIpv4(byte[] address, int offset)
        {
            int group4 = Group(address, offset, 4);
            int group5 = Group(address, offset, 5);
            if (Group(address, offset, 0) == 0 && Group(address, offset, 1) == 0 && Group(address, offset, 2) == 0
                && Group(address, offset, 3) == 0 && Group(address, offset, 6) != 0)
            {
                if (group4 == 0 && (group5 == 0 || group5 == 0xFFFF))
                {
                    return true;
                }

                if (group4 == 0xFFFF && group5 == 0)
                {
                    return true;
                }
            }

            return group4 == 0 && group5 == 0x5EFE;
        }

        private static int Group(byte[] address, int offset, int index)
        {
            int at = offset + 2 * index;
            return (address[at] << 8) | address[at + 1];
        }

        // Bytes past the limit are dropped and flag the overflow; End then undoes the token.
        private void Put(byte value)
        {
            if (_length < _limit)
            {
                _buffer[_length++] = value;
            }
            else
            {
                _overflowed = true;
            }
        }

        private void End(int mark)
        {
            if (_overflowed)
            {
                _length = mark;
            }
        }

        private void PutAsciiEscaped(int c)
        {
            if (c >= 0x20)
            {
                if (c == '"' || c == '\\')
                {
                    Put((byte)'\\');
                }

                Put((byte)c);
                return;
            }

            Put((byte)'\\');
            switch (c)
            {
                case '\n': Put((byte)'n'); break;
                case '\r': Put((byte)'r'); break;
                case '\t': Put((byte)'t'); break;
                case '\b': Put((byte)'b'); break;
                case '\f': Put((byte)'f'); break;
                default:
                    Put((byte)'u');
                    Put((byte)'0');
                    Put((byte)'0');
                    Put((byte)HexDigits[c >> 4]);
                    Put((byte)HexDigits[c & 0xF]);
                    break;
            }
        }

        private void PutThreeByteSequence(int c)
        {
            Put((byte)(0xE0 | (c >> 12)));
            Put((byte)(0x80 | ((c >> 6) & 0x3F)));
            Put((byte)(0x80 | (c & 0x3F)));
        }

        private void PutDecimal(ulong value)
        {
            ulong divisor = 1;
            while (value / divisor >= 10)
            {
                divisor *= 10;
            }

            do
            {
                Put((byte)('0' + (int)(value / divisor)));
                value %= divisor;
                divisor /= 10;
            }
            while (divisor != 0);
        }

        private void PutHex(int value)
        {
            int shift = 12;
            while (shift > 0 && (value >> shift) == 0)
            {
                shift -= 4;
            }

            for (; shift >= 0; shift -= 4)
            {
                Put((byte)HexDigits[(value >> shift) & 0xF]);
            }
        }

        private void PutDottedQuad(int a, int b, int c, int d)
        {
            PutDecimal((ulong)a);
            Put((byte)'.');
            PutDecimal((ulong)b);
            Put((byte)'.');
            PutDecimal((ulong)c);
            Put((byte)'.');
            PutDecimal((ulong)d);
        }

        private void PutDateTime(DateTime time)
        {
            int year = time.Year;
            PutTwoDigits(year / 100);
            PutTwoDigits(year % 100);
            Put((byte)'-');
            PutTwoDigits(time.Month);
            Put((byte)'-');
            PutTwoDigits(time.Day);
            Put((byte)'T');
            PutTwoDigits(time.Hour);
            Put((byte)':');
            PutTwoDigits(time.Minute);
            Put((byte)':');
            PutTwoDigits(time.Second);
            Put((byte)'.');
            int millisecond = time.Millisecond;
            Put((byte)('0' + millisecond / 100));
            PutTwoDigits(millisecond % 100);
        }

        private void PutTwoDigits(int value)
        {
            Put((byte)('0' + value / 10));
            Put((byte)('0' + value % 10));
        }
    }
}
