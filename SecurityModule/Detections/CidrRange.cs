#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// One IPv4 or IPv6 CIDR range, parsed from text such as <c>203.0.113.0/24</c>,
    /// <c>2001:db8::/32</c> or a bare address (a /32 or /128). Host bits set below the prefix
    /// are cleared (<c>203.0.113.7/24</c> is <c>203.0.113.0/24</c>), as routers read it.
    /// </summary>
    internal sealed class CidrRange
    {
        /// <summary>Longest text looked at: the longest IPv6 text with an embedded IPv4 and "/128" is 49 chars.</summary>
        internal const int MaxTextLength = 64;

        /// <summary>Longest canonical <see cref="Text"/>: eight groups of four hex digits and "/128" (RFC 5952 never writes more).</summary>
        internal const int MaxCanonicalLength = 43;

        /// <summary>The network address, in network order; IPv4 uses the first 4 bytes.</summary>
        internal readonly byte[] Address = new byte[16];

        /// <summary>True for an IPv6 range.</summary>
        internal bool IsIpv6;

        /// <summary>Prefix length: 0..32 for IPv4, 0..128 for IPv6.</summary>
        internal int PrefixLength;

        /// <summary>The range's canonical text (RFC 5952 for IPv6), as it is reported.</summary>
        internal string Text;

        /// <summary>Parses a range.</summary>
        /// <param name="text">The text; null is refused like any other bad text.</param>
        /// <param name="range">Filled in on success.</param>
        /// <returns>Null on success; otherwise a sentence saying what is wrong, naming the text.</returns>
        internal static string TryParse(string text, CidrRange range)
        {
            if (text == null)
            {
                return "a CIDR range is required, found null";
            }

            if (text.Length == 0)
            {
                return "an empty string is not a CIDR range";
            }

            if (text.Length > MaxTextLength)
            {
                return "a CIDR range is at most " + MaxTextLength.ToString() + " chars, found " + text.Length.ToString();
            }

            char[] c = text.ToCharArray();
            int slash = -1;
            bool colon = false;
            for (int i = 0; i < c.Length; i++)
            {
                if (c[i] == '/' && slash < 0)
                {
                    slash = i;
                }
                else if (c[i] == ':')
                {
                    colon = true;
                }
            }

            int end = slash < 0 ? c.Length : slash;
            for (int i = 0; i < 16; i++)
            {
                range.Address[i] = 0;
            }

            range.IsIpv6 = colon;
            string error = colon ? ParseIpv6(c, 0, end, range.Address) : ParseIpv4(c, 0, end, range.Address, 0);
            if (error != null)
            {
                return Quoted(text) + " is not a CIDR range: " + error;
            }

            int max = colon ? 128 : 32;
            int prefix = max;
            if (slash >= 0)
            {
                prefix = ParseDecimal(c, slash + 1, c.Length, 3);
                if (prefix < 0 || prefix > max)
                {
                    return Quoted(text) + " is not a CIDR range: the prefix length after '/' must be a whole number 0.." + max.ToString();
                }
            }

            range.PrefixLength = prefix;
            ClearHostBits(range.Address, prefix, colon ? 16 : 4);
            range.Text = (colon ? AddressText.Ipv6(range.Address, 0) : AddressText.Ipv4(ReadWord(range.Address, 0)))
                + "/" + prefix.ToString();
            return null;
        }

        /// <summary>Reads 4 bytes in network order as a number.</summary>
        internal static uint ReadWord(byte[] bytes, int offset)
        {
            return ((uint)bytes[offset] << 24) | ((uint)bytes[offset + 1] << 16) | ((uint)bytes[offset + 2] << 8) | bytes[offset + 3];
        }

        /// <summary>The mask of a prefix over one 32-bit word of the address (word 0 holds its first 32 bits).</summary>
        internal static uint MaskOf(int prefixLength, int word)
        {
            int bits = prefixLength - (32 * word);
            if (bits <= 0)
            {
                return 0;
            }

            return bits >= 32 ? 0xFFFFFFFF : ~(0xFFFFFFFF >> bits);
        }

        private static string Quoted(string text)
        {
            return "\"" + text + "\"";
        }

        private static void ClearHostBits(byte[] address, int prefix, int length)
        {
            for (int i = 0; i < length; i++)
            {
                int bits = prefix - (8 * i);
                if (bits <= 0)
                {
                    address[i] = 0;
                }
                else if (bits < 8)
                {
                    address[i] = (byte)(address[i] & (0xFF << (8 - bits)));
                }
            }
        }

        /// <summary>A decimal number of 1..maxDigits digits filling [start, end); -1 if it is not one.</summary>
        private static int ParseDecimal(char[] c, int start, int end, int maxDigits)
        {
            if (end <= start || end - start > maxDigits)
            {
                return -1;
            }

            int value = 0;
            for (int i = start; i < end; i++)
            {
                if (c[i] < '0' || c[i] > '9')
                {
                    return -1;
                }

                value = (value * 10) + (c[i] - '0');
            }

            return value;
        }

        private static string ParseIpv4(char[] c, int start, int end, byte[] into, int offset)
        {
            int part = 0;
            int partStart = start;
            for (int i = start; i <= end; i++)
            {
                if (i < end && c[i] != '.')
                {
                    continue;
                }

                if (part == 4)
                {
                    return "an IPv4 address has 4 parts";
                }

                int value = ParseDecimal(c, partStart, i, 3);
                if (value < 0 || value > 255)
                {
                    return "each part of an IPv4 address is a number 0..255";
                }

                if (i - partStart > 1 && c[partStart] == '0')
                {
                    return "a part of an IPv4 address may not start with 0 (it would read as octal elsewhere)";
                }

                into[offset + part] = (byte)value;
                part++;
                partStart = i + 1;
            }

            return part == 4 ? null : "an IPv4 address has 4 parts";
        }

        private static string ParseIpv6(char[] c, int start, int end, byte[] into)
        {
            // Up to 8 groups of 16 bits; "::" (once) stands for one or more zero groups, and the
            // last 32 bits may be written as an IPv4 address.
            var groups = new int[8];
            int count = 0;
            int gap = -1;
            int i = start;
            if (end - start >= 2 && c[start] == ':' && c[start + 1] == ':')
            {
                gap = 0;
                i = start + 2;
            }
            else if (end > start && c[start] == ':')
            {
                return "an IPv6 address may only start with a colon as \"::\"";
            }

            while (i < end)
            {
                int groupEnd = i;
                bool dotted = false;
                while (groupEnd < end && c[groupEnd] != ':')
                {
                    dotted |= c[groupEnd] == '.';
                    groupEnd++;
                }

                if (dotted)
                {
                    if (groupEnd != end || count > 6)
                    {
                        return "an embedded IPv4 address must be the last 32 bits";
                    }

                    var v4 = new byte[4];
                    string error = ParseIpv4(c, i, end, v4, 0);
                    if (error != null)
                    {
                        return error;
                    }

                    groups[count++] = (v4[0] << 8) | v4[1];
                    groups[count++] = (v4[2] << 8) | v4[3];
                    i = end;
                    break;
                }

                if (groupEnd == i || groupEnd - i > 4)
                {
                    return "each group of an IPv6 address is 1..4 hexadecimal digits";
                }

                if (count == 8)
                {
                    return "an IPv6 address has at most 8 groups";
                }

                int value = 0;
                for (int k = i; k < groupEnd; k++)
                {
                    int digit = HexValue(c[k]);
                    if (digit < 0)
                    {
                        return "'" + c[k].ToString() + "' is not a hexadecimal digit";
                    }

                    value = (value << 4) | digit;
                }

                groups[count++] = value;
                i = groupEnd;
                if (i < end)
                {
                    // At a colon: "::" marks the gap, a single one separates groups.
                    if (i + 1 < end && c[i + 1] == ':')
                    {
                        if (gap >= 0)
                        {
                            return "\"::\" may appear only once";
                        }

                        gap = count;
                        i += 2;
                    }
                    else if (i + 1 == end)
                    {
                        return "an IPv6 address may not end with a single colon";
                    }
                    else
                    {
                        i++;
                    }
                }
            }

            if (gap < 0 && count != 8)
            {
                return "an IPv6 address without \"::\" has 8 groups";
            }

            if (gap >= 0 && count > 7)
            {
                return "\"::\" must stand for at least one group";
            }

            int zeros = 8 - count;
            int g = 0;
            for (int k = 0; k < 8; k++)
            {
                int value;
                if (gap >= 0 && k >= gap && k < gap + zeros)
                {
                    value = 0;
                }
                else
                {
                    value = groups[g++];
                }

                into[2 * k] = (byte)(value >> 8);
                into[(2 * k) + 1] = (byte)value;
            }

            return null;
        }

        private static int HexValue(char ch)
        {
            if (ch >= '0' && ch <= '9')
            {
                return ch - '0';
            }

            if (ch >= 'a' && ch <= 'f')
            {
                return ch - 'a' + 10;
            }

            if (ch >= 'A' && ch <= 'F')
            {
                return ch - 'A' + 10;
            }

            return -1;
        }
    }
}
#endif
