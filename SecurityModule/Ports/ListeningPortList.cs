#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
using System;

namespace NanoSecurity
{
    /// <summary>
    /// A fixed-capacity list of listening sockets (ASC_COLLECTOR_LISTENING_PORTS_MAX_OBJECTS),
    /// filled by an <see cref="IListeningPortsSource"/>. Entries past the capacity are refused
    /// and reported as dropped.
    /// </summary>
    public sealed class ListeningPortList
    {
        private const int Ipv6Size = 16;

        private readonly TransportProtocol[] _protocols;
        private readonly ushort[] _ports;
        private readonly bool[] _isIpv6;
        private readonly uint[] _ipv4;
        private readonly byte[] _ipv6;
        private int _count;
        private int _dropped;

        internal ListeningPortList(int capacity)
        {
            _protocols = new TransportProtocol[capacity];
            _ports = new ushort[capacity];
            _isIpv6 = new bool[capacity];
            _ipv4 = new uint[capacity];
            _ipv6 = new byte[capacity * Ipv6Size];
        }

        /// <summary>Sockets in the list.</summary>
        public int Count => _count;

        /// <summary>Sockets the list can hold.</summary>
        public int Capacity => _ports.Length;

        internal int Dropped => _dropped;

        /// <summary>Adds an IPv4 listening socket.</summary>
        /// <param name="protocol">TCP or UDP.</param>
        /// <param name="localAddress">Bound address, first octet in the most significant byte; 0 for any.</param>
        /// <param name="localPort">Bound port.</param>
        /// <returns>False when the list is full.</returns>
        public bool AddIpv4(TransportProtocol protocol, uint localAddress, ushort localPort)
        {
            int index = Take(protocol, localPort, false);
            if (index < 0)
            {
                return false;
            }

            _ipv4[index] = localAddress;
            return true;
        }

        /// <summary>Adds an IPv6 listening socket. The address is copied.</summary>
        /// <param name="protocol">TCP or UDP.</param>
        /// <param name="localAddress">Array holding the 16-byte bound address, network order.</param>
        /// <param name="offset">Index of the address in <paramref name="localAddress"/>.</param>
        /// <param name="localPort">Bound port.</param>
        /// <returns>False when the list is full.</returns>
        public bool AddIpv6(TransportProtocol protocol, byte[] localAddress, int offset, ushort localPort)
        {
            if (localAddress == null)
            {
                throw new ArgumentNullException();
            }

            if (offset < 0 || offset > localAddress.Length - Ipv6Size)
            {
                throw new ArgumentOutOfRangeException();
            }

            int index = Take(protocol, localPort, true);
            if (index < 0)
            {
                return false;
            }

            Array.Copy(localAddress, offset, _ipv6, index * Ipv6Size, Ipv6Size);
            return true;
        }

        internal TransportProtocol Protocol(int index) => _protocols[index];

        internal ushort Port(int index) => _ports[index];

        internal bool IsIpv6(int index) => _isIpv6[index];

        internal uint Ipv4Address(int index) => _ipv4[index];

        internal byte[] Ipv6Addresses => _ipv6;

        internal static int Ipv6Offset(int index) => index * Ipv6Size;

        internal void Clear()
        {
            _count = 0;
            _dropped = 0;
        }

        private int Take(TransportProtocol protocol, ushort port, bool isIpv6)
        {
            if (_count == _ports.Length)
            {
                _dropped++;
                return -1;
            }

            int index = _count++;
            _protocols[index] = protocol;
            _ports[index] = port;
            _isIpv6[index] = isIpv6;
            return index;
        }
    }
}
#endif
