using System;
using System.Collections.Generic;
using System.IO;

namespace NanoSecurity.Host
{
    /// <summary>
    /// Reads the four socket tables under a proc root (<c>/proc</c>, or a copy of it in the tests).
    /// </summary>
    internal static class ProcNetFiles
    {
        /// <summary>The tables, with the protocol and address family of each.</summary>
        internal static readonly (string Name, TransportProtocol Protocol, bool Ipv6)[] Tables =
        {
            ("tcp", TransportProtocol.Tcp, false),
            ("tcp6", TransportProtocol.Tcp, true),
            ("udp", TransportProtocol.Udp, false),
            ("udp6", TransportProtocol.Udp, true),
        };

        /// <summary>Whether <c>{procRoot}/net</c> exists: false on Windows and macOS.</summary>
        internal static bool Exists(string procRoot)
        {
            return Directory.Exists(Path.Combine(procRoot, "net"));
        }

        /// <summary>
        /// Every socket of the four tables. A table that does not exist (no /proc at all, or IPv6
        /// disabled in the kernel) gives no entries.
        /// </summary>
        /// <exception cref="IOException">A table exists but cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">A table may not be read.</exception>
        internal static List<ProcNetEntry> ReadAll(string procRoot)
        {
            var all = new List<ProcNetEntry>();
            foreach (var table in Tables)
            {
                string content;
                try
                {
                    content = File.ReadAllText(Path.Combine(procRoot, "net", table.Name));
                }
                catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
                {
                    continue;
                }

                all.AddRange(ProcNetParser.Parse(content, table.Protocol, table.Ipv6));
            }

            return all;
        }
    }
}
