using System;
using System.Collections.Generic;
using System.Net;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="IListeningPortsSource"/> for Linux: the TCP sockets in LISTEN and the unconnected
    /// UDP sockets (remote port 0) of <c>/proc/net/{tcp,tcp6,udp,udp6}</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each socket is added once: identical entries (several sockets on one address and port with
    /// SO_REUSEPORT, say) count as one. A socket of an IPv6 table bound to an IPv4-mapped address
    /// (<c>::ffff:a.b.c.d</c>) is reported as IPv4; one bound to <c>::</c> stays IPv6, although a
    /// dual-stack socket also takes IPv4.
    /// </para>
    /// <para>
    /// On an operating system without <c>/proc/net</c> (Windows, macOS) this source adds nothing,
    /// so the ListeningPorts event is empty there. It reads the machine's (or container's)
    /// network namespace, so it lists every process's sockets, not only this one's.
    /// </para>
    /// </remarks>
    public sealed class ProcNetListeningPorts : IListeningPortsSource
    {
        private readonly string _procRoot;

        /// <summary>Creates a source that reads <c>{procRoot}/net</c> on every snapshot.</summary>
        /// <param name="procRoot">Where procfs is mounted; another directory in tests.</param>
        /// <exception cref="ArgumentException"><paramref name="procRoot"/> is null or empty.</exception>
        public ProcNetListeningPorts(string procRoot = "/proc")
        {
            if (string.IsNullOrEmpty(procRoot))
            {
                throw new ArgumentException("The proc root must be a directory path.", nameof(procRoot));
            }

            _procRoot = procRoot;
        }

        /// <summary>Whether the socket tables exist here (Linux); when false, <see cref="Read"/> adds nothing.</summary>
        public bool IsSupported => ProcNetFiles.Exists(_procRoot);

        /// <inheritdoc />
        /// <exception cref="System.IO.IOException">A table exists but cannot be read.</exception>
        public void Read(ListeningPortList ports)
        {
            if (ports == null)
            {
                throw new ArgumentNullException(nameof(ports));
            }

            var seen = new HashSet<(TransportProtocol, IPAddress, ushort)>();
            foreach (ProcNetEntry entry in ProcNetFiles.ReadAll(_procRoot))
            {
                if (!entry.IsListening)
                {
                    continue;
                }

                if (entry.IsIpv6 && !entry.IsIpv4Mapped)
                {
                    if (seen.Add((entry.Protocol, entry.LocalAddress, entry.LocalPort)))
                    {
                        ports.AddIpv6(entry.Protocol, entry.LocalAddressArray, 0, entry.LocalPort);
                    }
                }
                else
                {
                    uint address = entry.LocalIpv4;
                    if (seen.Add((entry.Protocol, new IPAddress(new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address }), entry.LocalPort)))
                    {
                        ports.AddIpv4(entry.Protocol, address, entry.LocalPort);
                    }
                }
            }
        }
    }
}
