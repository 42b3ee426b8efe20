using System;
using System.Net;
using System.Net.Sockets;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// A System.Net <see cref="Socket"/> whose traffic is recorded in the module's flow cache and,
    /// while it listens (TCP) or is bound (UDP), in its listening ports. Use it instead of the raw
    /// socket; created by <see cref="SocketMonitor"/>.
    /// </summary>
    /// <remarks>
    /// Each call records one hit: Connect and Accept a zero-byte hit that fixes the flow's
    /// direction (Out for a connection the device opened, In for one it accepted), Send and
    /// Receive their byte counts. For TLS over this socket (<c>new SslStream(monitored.Socket)</c>)
    /// the SslStream bypasses these wrappers: report its plaintext byte counts with
    /// <see cref="RecordSent"/> and <see cref="RecordReceived"/>.
    /// </remarks>
    public sealed class MonitoredSocket : IDisposable
    {
        private readonly SocketMonitor _monitor;
        private readonly Socket _socket;
        private readonly TransportProtocol _protocol;

        // Connected endpoints, read once after Connect/Accept (each read is a native call).
        private bool _connected;
        private uint _local;
        private ushort _localPort;
        private uint _remote;
        private ushort _remotePort;

        internal MonitoredSocket(SocketMonitor monitor, Socket socket, TransportProtocol protocol)
        {
            _monitor = monitor;
            _socket = socket;
            _protocol = protocol;
        }

        /// <summary>The underlying socket, for options, Poll, or an SslStream.</summary>
        public Socket Socket => _socket;

        /// <summary>TCP or UDP.</summary>
        public TransportProtocol Protocol => _protocol;

        internal uint BoundAddress { get; private set; }

        internal ushort BoundPort { get; private set; }

        /// <summary>Connects, and records the connection as a flow the device opened.</summary>
        /// <param name="remoteEndPoint">The peer.</param>
        public void Connect(EndPoint remoteEndPoint)
        {
            _socket.Connect(remoteEndPoint);
            CacheEndPoints();
            Record(FlowDirection.Out, 0);
        }

        /// <summary>Binds to a local endpoint; a bound UDP socket is reported as listening.</summary>
        /// <param name="localEndPoint">The local endpoint, e.g. <c>new IPEndPoint(IPAddress.Any, 5683)</c>.</param>
        public void Bind(EndPoint localEndPoint)
        {
            _socket.Bind(localEndPoint);
            if (_protocol == TransportProtocol.Udp)
            {
                Listening(localEndPoint);
            }
        }

        /// <summary>Starts listening (TCP); the socket is reported as listening until closed.</summary>
        /// <param name="backlog">Pending connections queue length.</param>
        public void Listen(int backlog)
        {
            _socket.Listen(backlog);
            EndPoint local = null;
            try
            {
                local = _socket.LocalEndPoint;
            }
            catch (Exception)
            {
                // reported below as 0.0.0.0:0 if the firmware cannot tell
            }

            Listening(local);
        }

        /// <summary>Accepts a connection, recorded as a flow the device received.</summary>
        /// <returns>The connection, itself monitored.</returns>
        public MonitoredSocket Accept()
        {
            var accepted = new MonitoredSocket(_monitor, _socket.Accept(), _protocol);
            accepted.CacheEndPoints();
            accepted.Record(FlowDirection.In, 0);
            return accepted;
        }

        /// <summary>Sends on a connected socket and records the bytes sent.</summary>
        /// <param name="buffer">Data.</param>
        /// <param name="offset">First byte.</param>
        /// <param name="size">Bytes to send.</param>
        /// <param name="flags">Socket flags.</param>
        /// <returns>Bytes sent.</returns>
        public int Send(byte[] buffer, int offset, int size, SocketFlags flags)
        {
            int sent = _socket.Send(buffer, offset, size, flags);
            Record(FlowDirection.Out, sent);
            return sent;
        }

        /// <summary>Sends all of <paramref name="buffer"/>.</summary>
        /// <param name="buffer">Data.</param>
        /// <returns>Bytes sent.</returns>
        public int Send(byte[] buffer)
        {
            return Send(buffer, 0, buffer.Length, SocketFlags.None);
        }

        /// <summary>Receives on a connected socket and records the bytes received.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="offset">First byte to fill.</param>
        /// <param name="size">Most bytes to read.</param>
        /// <param name="flags">Socket flags.</param>
        /// <returns>Bytes received; 0 when the peer closed.</returns>
        public int Receive(byte[] buffer, int offset, int size, SocketFlags flags)
        {
            int received = _socket.Receive(buffer, offset, size, flags);
            if (received > 0)
            {
                Record(FlowDirection.In, received);
            }

            return received;
        }

        /// <summary>Receives into <paramref name="buffer"/>.</summary>
        /// <param name="buffer">Destination.</param>
        /// <returns>Bytes received; 0 when the peer closed.</returns>
        public int Receive(byte[] buffer)
        {
            return Receive(buffer, 0, buffer.Length, SocketFlags.None);
        }

        /// <summary>Sends a datagram and records it against <paramref name="remoteEndPoint"/>.</summary>
        /// <param name="buffer">Data.</param>
        /// <param name="offset">First byte.</param>
        /// <param name="size">Bytes to send.</param>
        /// <param name="flags">Socket flags.</param>
        /// <param name="remoteEndPoint">Destination.</param>
        /// <returns>Bytes sent.</returns>
        public int SendTo(byte[] buffer, int offset, int size, SocketFlags flags, EndPoint remoteEndPoint)
        {
            int sent = _socket.SendTo(buffer, offset, size, flags, remoteEndPoint);
            RecordDatagram(FlowDirection.Out, remoteEndPoint, sent);
            return sent;
        }

        /// <summary>Receives a datagram and records it against its sender.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="offset">First byte to fill.</param>
        /// <param name="size">Most bytes to read.</param>
        /// <param name="flags">Socket flags.</param>
        /// <param name="remoteEndPoint">Receives the sender.</param>
        /// <returns>Bytes received.</returns>
        public int ReceiveFrom(byte[] buffer, int offset, int size, SocketFlags flags, ref EndPoint remoteEndPoint)
        {
            int received = _socket.ReceiveFrom(buffer, offset, size, flags, ref remoteEndPoint);
            RecordDatagram(FlowDirection.In, remoteEndPoint, received);
            return received;
        }

        /// <summary>Records bytes the application sent through a stream over this socket (SslStream).</summary>
        /// <param name="bytes">Bytes sent.</param>
        public void RecordSent(int bytes)
        {
            Record(FlowDirection.Out, bytes);
        }

        /// <summary>Records bytes the application received through a stream over this socket (SslStream).</summary>
        /// <param name="bytes">Bytes received.</param>
        public void RecordReceived(int bytes)
        {
            Record(FlowDirection.In, bytes);
        }

        /// <summary>Closes the socket and stops reporting it as listening.</summary>
        public void Close()
        {
            _monitor.RemoveListener(this);
            _socket.Close();
        }

        /// <summary>Same as <see cref="Close"/>.</summary>
        public void Dispose()
        {
            Close();
        }

        private void CacheEndPoints()
        {
            _connected = SocketMonitor.TryGetEndPoints(_socket, out _local, out _localPort, out _remote, out _remotePort);
        }

        private void Listening(EndPoint local)
        {
            uint address;
            ushort port;
            SocketMonitor.TryConvert(local, out address, out port);
            BoundAddress = address;
            BoundPort = port;
            _monitor.AddListener(this);
        }

        private void Record(FlowDirection direction, int bytes)
        {
#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            if (_connected && bytes >= 0)
            {
                _monitor.Record(direction, _protocol, _local, _localPort, _remote, _remotePort, bytes);
            }
#endif
        }

        private void RecordDatagram(FlowDirection direction, EndPoint remoteEndPoint, int bytes)
        {
#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            uint remote;
            ushort remotePort;
            if (bytes < 0 || !SocketMonitor.TryConvert(remoteEndPoint, out remote, out remotePort))
            {
                return;
            }

            // The local side of a datagram socket: its bound endpoint, or what the stack picked.
            uint local = BoundAddress;
            ushort localPort = BoundPort;
            if (localPort == 0)
            {
                try
                {
                    SocketMonitor.TryConvert(_socket.LocalEndPoint, out local, out localPort);
                }
                catch (Exception)
                {
                    // keep 0.0.0.0:0
                }
            }

            _monitor.Record(direction, _protocol, local, localPort, remote, remotePort, bytes);
#endif
        }
    }
}
