using System;
using System.Collections.Generic;
using System.Globalization;

namespace NanoSecurity.Host
{
    /// <summary>
    /// Reads the socket tables Linux prints in <c>/proc/net/tcp</c>, <c>tcp6</c>, <c>udp</c> and
    /// <c>udp6</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A line reads <c>sl: local remote st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …</c>.
    /// An endpoint is <c>ADDRESS:PORT</c> in hexadecimal. The port is a plain number
    /// (<c>1F90</c> is 8080), but the address is the in-memory, network-order address printed as
    /// 32-bit words in the host's byte order: on a little-endian machine (x86, ARM)
    /// <c>0100007F</c> is 127.0.0.1, and an IPv6 address is four such words
    /// (<c>00000000000000000000000001000000</c> is ::1).
    /// </para>
    /// <para>
    /// The files carry no byte counters: <c>tx_queue</c> and <c>rx_queue</c> are what waits in the
    /// socket's queues right now, not totals.
    /// </para>
    /// <para>
    /// The parser never throws on content: the header line and any line it cannot read are
    /// skipped.
    /// </para>
    /// </remarks>
    public static class ProcNetParser
    {
        // sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode.
        private const int MinimumFields = 10;

        /// <summary>Parses the whole content of one <c>/proc/net</c> socket file, on this machine's byte order.</summary>
        /// <param name="fileContent">The file's text; null or empty gives no entries.</param>
        /// <param name="protocol">TCP for <c>tcp</c>/<c>tcp6</c>, UDP for <c>udp</c>/<c>udp6</c>.</param>
        /// <param name="ipv6">True for <c>tcp6</c>/<c>udp6</c> (32 hex digits an address), false for <c>tcp</c>/<c>udp</c> (8).</param>
        /// <returns>The sockets in file order; malformed lines are left out.</returns>
        public static IReadOnlyList<ProcNetEntry> Parse(string fileContent, TransportProtocol protocol, bool ipv6)
        {
            return Parse(fileContent, protocol, ipv6, BitConverter.IsLittleEndian);
        }

        /// <summary>Parses as a machine of the given byte order printed it (the tests check both).</summary>
        internal static IReadOnlyList<ProcNetEntry> Parse(string fileContent, TransportProtocol protocol, bool ipv6, bool littleEndian)
        {
            var entries = new List<ProcNetEntry>();
            if (string.IsNullOrEmpty(fileContent))
            {
                return entries;
            }

            var fields = new string[MinimumFields];
            foreach (string line in fileContent.Split('\n'))
            {
                ProcNetEntry? entry = ParseLine(line, protocol, ipv6, littleEndian, fields);
                if (entry != null)
                {
                    entries.Add(entry);
                }
            }

            return entries;
        }

        private static ProcNetEntry? ParseLine(string line, TransportProtocol protocol, bool ipv6, bool littleEndian, string[] fields)
        {
            if (SplitFields(line, fields) < MinimumFields)
            {
                return null;
            }

            // "sl" ends with a colon on a socket line; the header's first field is "sl" itself.
            string slot = fields[0];
            if (slot.Length < 2 || slot[slot.Length - 1] != ':' || !IsDecimal(slot, 0, slot.Length - 1))
            {
                return null;
            }

            int addressLength = ipv6 ? 16 : 4;
            var local = new byte[addressLength];
            var remote = new byte[addressLength];
            if (!TryParseEndpoint(fields[1], local, littleEndian, out ushort localPort)
                || !TryParseEndpoint(fields[2], remote, littleEndian, out ushort remotePort)
                || fields[3].Length != 2
                || !byte.TryParse(fields[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte state)
                || !uint.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
                || !ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
            {
                return null;
            }

            return new ProcNetEntry(protocol, ipv6, local, localPort, remote, remotePort, state, uid, inode);
        }

        /// <summary>Puts the first fields.Length whitespace-separated fields of the line into fields; returns how many it found.</summary>
        private static int SplitFields(string line, string[] fields)
        {
            int count = 0;
            int i = 0;
            while (count < fields.Length)
            {
                while (i < line.Length && char.IsWhiteSpace(line[i]))
                {
                    i++;
                }

                if (i == line.Length)
                {
                    break;
                }

                int start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i]))
                {
                    i++;
                }

                fields[count++] = line.Substring(start, i - start);
            }

            return count;
        }

        /// <summary>Reads <c>ADDRESS:PORT</c>; the address length is address.Length (4 or 16 bytes, 8 or 32 hex digits).</summary>
        private static bool TryParseEndpoint(string text, byte[] address, bool littleEndian, out ushort port)
        {
            port = 0;
            int digits = address.Length * 2;
            if (text.Length != digits + 5 || text[digits] != ':')
            {
                return false;
            }

            for (int word = 0; word < address.Length / 4; word++)
            {
                if (!uint.TryParse(text.AsSpan(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
                {
                    return false;
                }

                // The word is the 4 in-memory bytes read as a host-order integer: undo that.
                int at = word * 4;
                if (littleEndian)
                {
                    address[at] = (byte)value;
                    address[at + 1] = (byte)(value >> 8);
                    address[at + 2] = (byte)(value >> 16);
                    address[at + 3] = (byte)(value >> 24);
                }
                else
                {
                    address[at] = (byte)(value >> 24);
                    address[at + 1] = (byte)(value >> 16);
                    address[at + 2] = (byte)(value >> 8);
                    address[at + 3] = (byte)value;
                }
            }

            return ushort.TryParse(text.AsSpan(digits + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port);
        }

        private static bool IsDecimal(string text, int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                if (text[i] < '0' || text[i] > '9')
                {
                    return false;
                }
            }

            return true;
        }
    }
}
