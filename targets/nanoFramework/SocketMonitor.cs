using System;
using System.Collections;
using System.Net;
using System.Net.Sockets;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// Feeds the module's network activity and listening ports from the application's own
    /// sockets. nanoFramework gives managed code no packet hook, so the application opens its
    /// sockets through <see cref="CreateTcp"/>/<see cref="CreateUdp"/> (or wraps them with
    /// <see cref="Wrap"/>) and every Connect, Accept, Send and Receive of those
    /// <see cref="MonitoredSocket"/>s is recorded here.
    /// </summary>
    /// <remarks>
    /// Create it before the module (it is the module's listening-ports source), then set
    /// <c>Flows</c> to the module's IPv4 cache once the module exists:
    /// <code>
    /// var sockets = new SocketMonitor();
    /// options.ListeningPorts = sockets;
    /// var module = new SecurityModule(options);
    /// sockets.Flows = module.Ipv4Connections;
    /// </code>
    /// Only IPv4 endpoints are recorded: nanoFramework's IPEndPoint and IPAddress.GetAddressBytes
    /// are IPv4-only (nanoframework/System.Net IPEndPoint.cs, IPAddress.cs). Recording never
    /// throws into the application's traffic: an endpoint that cannot be read is skipped.
    /// </remarks>
    public sealed class SocketMonitor
#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
        : IListeningPortsSource
#endif
    {
        private readonly ArrayList _listeners = new ArrayList();

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
        /// <summary>The module's IPv4 flow cache (<c>module.Ipv4Connections</c>); nothing is recorded while null.</summary>
        public Ipv4ConnectionCache Flows { get; set; }
#endif

        /// <summary>Opens a TCP socket whose traffic is recorded.</summary>
        /// <returns>The new socket.</returns>
        public MonitoredSocket CreateTcp()
        {
            return new MonitoredSocket(this, new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), TransportProtocol.Tcp);
        }

        /// <summary>Opens a UDP socket whose traffic is recorded.</summary>
        /// <returns>The new socket.</returns>
        public MonitoredSocket CreateUdp()
        {
            return new MonitoredSocket(this, new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), TransportProtocol.Udp);
        }

        /// <summary>Records the traffic of a socket the application already has.</summary>
        /// <param name="socket">An IPv4 socket.</param>
        /// <param name="protocol">Its transport protocol.</param>
        /// <returns>The wrapper.</returns>
        public MonitoredSocket Wrap(Socket socket, TransportProtocol protocol)
        {
            if (socket == null)
            {
                throw new ArgumentNullException();
            }

            return new MonitoredSocket(this, socket, protocol);
        }

#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
        /// <inheritdoc/>
        public void Read(ListeningPortList ports)
        {
            lock (_listeners)
            {
                for (int i = 0; i < _listeners.Count; i++)
                {
                    var socket = (MonitoredSocket)_listeners[i];
                    ports.AddIpv4(socket.Protocol, socket.BoundAddress, socket.BoundPort);
                }
            }
        }
#endif

        internal void AddListener(MonitoredSocket socket)
        {
            lock (_listeners)
            {
                if (!_listeners.Contains(socket))
                {
                    _listeners.Add(socket);
                }
            }
        }

        internal void RemoveListener(MonitoredSocket socket)
        {
            lock (_listeners)
            {
                _listeners.Remove(socket);
            }
        }

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
        /// <summary>Records bytes on a connected TCP socket (used by <see cref="SocketTlsChannel"/>).</summary>
        internal void RecordStream(FlowDirection direction, Socket socket, int bytes)
        {
            Ipv4ConnectionCache flows = Flows;
            if (flows == null)
            {
                return;
            }

            uint local;
            ushort localPort;
            uint remote;
            ushort remotePort;
            if (TryGetEndPoints(socket, out local, out localPort, out remote, out remotePort))
            {
                flows.Record(direction, TransportProtocol.Tcp, local, localPort, remote, remotePort, bytes);
            }
        }

        internal void Record(FlowDirection direction, TransportProtocol protocol, uint local, ushort localPort, uint remote, ushort remotePort, int bytes)
        {
            Ipv4ConnectionCache flows = Flows;
            if (flows != null)
            {
                flows.Record(direction, protocol, local, localPort, remote, remotePort, bytes);
            }
        }
#endif

        /// <summary>Reads both endpoints of a connected socket; false when either is unavailable or not IPv4.</summary>
        internal static bool TryGetEndPoints(Socket socket, out uint local, out ushort localPort, out uint remote, out ushort remotePort)
        {
            local = 0;
            localPort = 0;
            remote = 0;
            remotePort = 0;
            try
            {
                return TryConvert(socket.LocalEndPoint, out local, out localPort)
                    && TryConvert(socket.RemoteEndPoint, out remote, out remotePort);
            }
            catch (Exception)
            {
                // not connected, closed, or an endpoint the firmware cannot report
                return false;
            }
        }

        /// <summary>An IPv4 endpoint as the module wants it: first octet in the most significant byte.</summary>
        internal static bool TryConvert(EndPoint endPoint, out uint address, out ushort port)
        {
            address = 0;
            port = 0;
            var ip = endPoint as IPEndPoint;
            if (ip == null)
            {
                return false;
            }

            byte[] bytes = ip.Address.GetAddressBytes();
            if (bytes.Length != 4)
            {
                return false;
            }

            address = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
            port = (ushort)ip.Port;
            return true;
        }
    }
}
