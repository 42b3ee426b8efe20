using System;
using System.Net;

namespace NanoSecurity.Host
{
    /// <summary>
    /// One socket line of a Linux <c>/proc/net/{tcp,tcp6,udp,udp6}</c> file, as
    /// <see cref="ProcNetParser"/> reads it. Immutable.
    /// </summary>
    /// <remarks>
    /// Addresses are kept in network order (first octet first): 4 bytes for an entry of
    /// <c>tcp</c>/<c>udp</c>, 16 for one of <c>tcp6</c>/<c>udp6</c>. An IPv4 socket's peer reached
    /// through an IPv6 socket appears in the IPv6 files as an IPv4-mapped address
    /// (<c>::ffff:a.b.c.d</c>): see <see cref="IsIpv4Mapped"/>.
    /// </remarks>
    public sealed class ProcNetEntry
    {
        /// <summary>The kernel's state code of a listening TCP socket (TCP_LISTEN).</summary>
        public const byte TcpListen = 0x0A;

        /// <summary>The kernel's state code of a TCP connection that is established (TCP_ESTABLISHED); connected UDP sockets show it too.</summary>
        public const byte Established = 0x01;

        /// <summary>The kernel's state code of an unconnected UDP socket (TCP_CLOSE, which the kernel reuses for UDP).</summary>
        public const byte UdpUnconnected = 0x07;

        private static readonly byte[] MappedPrefix = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

        private readonly byte[] _localAddress;
        private readonly byte[] _remoteAddress;

        /// <summary>Creates an entry. The address arrays are copied.</summary>
        /// <param name="protocol">TCP or UDP.</param>
        /// <param name="isIpv6">Whether the entry comes from an IPv6 file (16-byte addresses).</param>
        /// <param name="localAddress">Local address, network order: 4 bytes, or 16 when <paramref name="isIpv6"/>.</param>
        /// <param name="localPort">Local port.</param>
        /// <param name="remoteAddress">Remote address, same length as <paramref name="localAddress"/>.</param>
        /// <param name="remotePort">Remote port; 0 for a listening or unconnected socket.</param>
        /// <param name="state">The kernel's state code (the <c>st</c> column).</param>
        /// <param name="uid">Owner's user id.</param>
        /// <param name="inode">Socket inode; 0 for a connection in TIME_WAIT.</param>
        /// <exception cref="ArgumentNullException">An address is null.</exception>
        /// <exception cref="ArgumentException">An address has the wrong length for <paramref name="isIpv6"/>.</exception>
        public ProcNetEntry(TransportProtocol protocol, bool isIpv6, byte[] localAddress, ushort localPort, byte[] remoteAddress, ushort remotePort, byte state, uint uid, ulong inode)
        {
            if (localAddress == null)
            {
                throw new ArgumentNullException(nameof(localAddress));
            }

            if (remoteAddress == null)
            {
                throw new ArgumentNullException(nameof(remoteAddress));
            }

            int length = isIpv6 ? 16 : 4;
            if (localAddress.Length != length)
            {
                throw new ArgumentException($"An {(isIpv6 ? "IPv6" : "IPv4")} address has {length} bytes.", nameof(localAddress));
            }

            if (remoteAddress.Length != length)
            {
                throw new ArgumentException($"An {(isIpv6 ? "IPv6" : "IPv4")} address has {length} bytes.", nameof(remoteAddress));
            }

            Protocol = protocol;
            IsIpv6 = isIpv6;
            _localAddress = (byte[])localAddress.Clone();
            _remoteAddress = (byte[])remoteAddress.Clone();
            LocalPort = localPort;
            RemotePort = remotePort;
            State = state;
            Uid = uid;
            Inode = inode;
        }

        /// <summary>TCP or UDP: which file the entry comes from.</summary>
        public TransportProtocol Protocol { get; }

        /// <summary>Whether the entry comes from <c>tcp6</c>/<c>udp6</c>, so that its addresses have 16 bytes.</summary>
        public bool IsIpv6 { get; }

        /// <summary>Local address.</summary>
        public IPAddress LocalAddress => new IPAddress(_localAddress);

        /// <summary>Local port.</summary>
        public ushort LocalPort { get; }

        /// <summary>Remote address; all zeros for a listening or unconnected socket.</summary>
        public IPAddress RemoteAddress => new IPAddress(_remoteAddress);

        /// <summary>Remote port; 0 for a listening or unconnected socket.</summary>
        public ushort RemotePort { get; }

        /// <summary>The kernel's state code (the <c>st</c> column): <see cref="TcpListen"/>, <see cref="Established"/>, <see cref="UdpUnconnected"/>…</summary>
        public byte State { get; }

        /// <summary>Owner's user id.</summary>
        public uint Uid { get; }

        /// <summary>Socket inode (0 for a TCP connection in TIME_WAIT, which has no socket any more).</summary>
        public ulong Inode { get; }

        /// <summary>
        /// Whether the socket accepts traffic from anyone: a TCP socket in LISTEN, or a UDP socket
        /// that is not connected (remote port 0).
        /// </summary>
        public bool IsListening => Protocol == TransportProtocol.Tcp ? State == TcpListen : RemotePort == 0;

        /// <summary>
        /// Whether the socket has a peer: a remote port other than 0 and, for TCP, not LISTEN. Every
        /// other TCP state counts, SYN_SENT (an attempt) and TIME_WAIT (just closed) included.
        /// </summary>
        public bool IsConnected => RemotePort != 0 && !(Protocol == TransportProtocol.Tcp && State == TcpListen);

        /// <summary>
        /// Whether this IPv6 entry is really IPv4: its local address is IPv4-mapped
        /// (<c>::ffff:a.b.c.d</c>) and its remote address is IPv4-mapped or unspecified (<c>::</c>).
        /// Always false for an IPv4 entry.
        /// </summary>
        public bool IsIpv4Mapped => IsIpv6 && IsMapped(_localAddress) && (IsMapped(_remoteAddress) || IsUnspecified(_remoteAddress));

        /// <summary>
        /// Local IPv4 address with the first octet in the most significant byte (the flow caches'
        /// form): of an IPv4 entry, or the embedded address of an <see cref="IsIpv4Mapped"/> one.
        /// </summary>
        /// <exception cref="InvalidOperationException">The entry is IPv6 and not IPv4-mapped.</exception>
        public uint LocalIpv4 => Ipv4Of(_localAddress);

        /// <summary>Remote IPv4 address, first octet in the most significant byte (see <see cref="LocalIpv4"/>).</summary>
        /// <exception cref="InvalidOperationException">The entry is IPv6 and not IPv4-mapped.</exception>
        public uint RemoteIpv4 => Ipv4Of(_remoteAddress);

        /// <summary>The local address bytes, network order (a copy).</summary>
        /// <returns>4 or 16 bytes.</returns>
        public byte[] GetLocalAddressBytes() => (byte[])_localAddress.Clone();

        /// <summary>The remote address bytes, network order (a copy).</summary>
        /// <returns>4 or 16 bytes.</returns>
        public byte[] GetRemoteAddressBytes() => (byte[])_remoteAddress.Clone();

        /// <inheritdoc />
        public override string ToString()
        {
            return $"{(Protocol == TransportProtocol.Tcp ? "tcp" : "udp")}{(IsIpv6 ? "6" : string.Empty)} "
                + $"{new IPEndPoint(LocalAddress, LocalPort)} {new IPEndPoint(RemoteAddress, RemotePort)} st={State:X2} inode={Inode}";
        }

        /// <summary>The address array itself, for the feed's allocation-free calls; never modified.</summary>
        internal byte[] LocalAddressArray => _localAddress;

        /// <summary>The address array itself, for the feed's allocation-free calls; never modified.</summary>
        internal byte[] RemoteAddressArray => _remoteAddress;

        private uint Ipv4Of(byte[] address)
        {
            int offset;
            if (!IsIpv6)
            {
                offset = 0;
            }
            else if (IsIpv4Mapped)
            {
                offset = 12;
            }
            else
            {
                throw new InvalidOperationException("An IPv6 entry has an IPv4 address only when it is IPv4-mapped.");
            }

            return ((uint)address[offset] << 24) | ((uint)address[offset + 1] << 16) | ((uint)address[offset + 2] << 8) | address[offset + 3];
        }

        private static bool IsMapped(byte[] address)
        {
            for (int i = 0; i < MappedPrefix.Length; i++)
            {
                if (address[i] != MappedPrefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsUnspecified(byte[] address)
        {
            for (int i = 0; i < address.Length; i++)
            {
                if (address[i] != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
