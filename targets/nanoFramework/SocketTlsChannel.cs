using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// The module's TLS byte stream to IoT Hub on nanoFramework: a System.Net <see cref="Socket"/>
    /// wrapped in <see cref="SslStream"/> (TLS 1.2, server certificate verified against the
    /// IoT Hub roots). IPv4 only, like nanoFramework's own MQTT client.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Verification: <see cref="SslVerification.CertificateRequired"/> is used, not VerifyPeer.
    /// The firmware's mbedTLS glue turns on MBEDTLS_SSL_VERIFY_REQUIRED only for
    /// CertificateRequired and verifies nothing for any other value (nanoframework/nf-interpreter
    /// src/PAL/COM/sockets/ssl/MbedTLS/ssl_generic_init_internal.cpp); CertificateRequired is also
    /// SslStream's default.
    /// </para>
    /// <para>
    /// Reading with a timeout: plaintext already decrypted by mbedTLS is seen through
    /// <c>SslStream.DataAvailable</c>; otherwise <see cref="Socket.Poll"/> waits for the
    /// socket to become readable. A readable socket may hold only part of a TLS record, so the
    /// read itself is bounded by <see cref="Socket.ReceiveTimeout"/>, which nanoFramework's
    /// SslStream.Read passes to the native read (a timeout there surfaces as a SocketException).
    /// </para>
    /// <para>
    /// Connect and the TLS handshake have no timeout of their own: Socket.Connect waits with
    /// Poll(-1) and the native handshake waits without limit, so a dead route ends only when
    /// lwIP's TCP retransmissions give up.
    /// </para>
    /// </remarks>
    public sealed class SocketTlsChannel : INetworkChannel
    {
        // Bound on a single write; a longer stall means the link is gone.
        private const int SendTimeoutMilliseconds = 30000;

        // Poll takes microseconds in an int.
        private const int MaxPollMilliseconds = int.MaxValue / 1000;

        private readonly X509Certificate _caCertificates;
        private readonly object _sync = new object();
        private Socket _socket;
        private SslStream _ssl;

        /// <summary>Creates a channel that trusts <see cref="IoTHubRootCertificates.Create"/>.</summary>
        public SocketTlsChannel()
            : this(IoTHubRootCertificates.Create())
        {
        }

        /// <summary>Creates a channel that trusts the given CA certificate(s).</summary>
        /// <param name="caCertificates">
        /// One certificate object, possibly a PEM bundle of several roots; null to rely only on the
        /// CA bundle stored in the device's configuration block (Device Explorer or nanoff).
        /// </param>
        public SocketTlsChannel(X509Certificate caCertificates)
        {
            _caCertificates = caCertificates;
        }

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
        /// <summary>
        /// Optional: when set, the hub connection itself is recorded as a flow (plaintext byte
        /// counts; TLS framing is not seen from managed code).
        /// </summary>
        public SocketMonitor Monitor { get; set; }
#endif

        /// <inheritdoc/>
        public void Connect(string host, int port)
        {
            Close();

            IPAddress address = ResolveIpv4(host);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            SslStream ssl = null;
            try
            {
                socket.Connect(new IPEndPoint(address, port));
                socket.SendTimeout = SendTimeoutMilliseconds;

                ssl = new SslStream(socket);
                ssl.SslVerification = SslVerification.CertificateRequired;
                ssl.AuthenticateAsClient(host, null, _caCertificates, SslProtocols.Tls12);
            }
            catch
            {
                CloseQuietly(ssl, socket);
                throw;
            }

            lock (_sync)
            {
                _socket = socket;
                _ssl = ssl;
            }

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            SocketMonitor monitor = Monitor;
            if (monitor != null)
            {
                monitor.RecordStream(FlowDirection.Out, socket, 0);
            }
#endif
        }

        /// <inheritdoc/>
        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds)
        {
            Socket socket;
            SslStream ssl;
            lock (_sync)
            {
                socket = _socket;
                ssl = _ssl;
            }

            if (ssl == null)
            {
                throw new IOException();
            }

            int wait = timeoutMilliseconds < 1 ? 1 : (timeoutMilliseconds > MaxPollMilliseconds ? MaxPollMilliseconds : timeoutMilliseconds);
            if (!ssl.DataAvailable && !socket.Poll(wait * 1000, SelectMode.SelectRead))
            {
                return 0;
            }

            // Readable: bound the wait for the rest of a TLS record. (0 would mean "infinite".)
            socket.ReceiveTimeout = wait;
            int read;
            try
            {
                read = ssl.Read(buffer, offset, count);
            }
            catch (SocketException e)
            {
                // A plain catch and rethrow, not an exception filter: no nanoFramework library uses
                // filters, so their support in the interpreter is unproven.
                if (e.ErrorCode != (int)SocketError.TimedOut)
                {
                    throw;
                }

                return 0;
            }

            if (read <= 0 && count > 0)
            {
                // Readable but nothing to read: the hub closed the connection.
                throw new IOException();
            }

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            SocketMonitor monitor = Monitor;
            if (monitor != null)
            {
                monitor.RecordStream(FlowDirection.In, socket, read);
            }
#endif
            return read;
        }

        /// <inheritdoc/>
        public void Write(byte[] buffer, int offset, int count)
        {
            Socket socket;
            SslStream ssl;
            lock (_sync)
            {
                socket = _socket;
                ssl = _ssl;
            }

            if (ssl == null)
            {
                throw new IOException();
            }

            ssl.Write(buffer, offset, count);

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            SocketMonitor monitor = Monitor;
            if (monitor != null)
            {
                monitor.RecordStream(FlowDirection.Out, socket, count);
            }
#endif
        }

        /// <inheritdoc/>
        public void Close()
        {
            Socket socket;
            SslStream ssl;
            lock (_sync)
            {
                socket = _socket;
                ssl = _ssl;
                _socket = null;
                _ssl = null;
            }

            CloseQuietly(ssl, socket);
        }

        private static IPAddress ResolveIpv4(string host)
        {
            IPHostEntry entry = Dns.GetHostEntry(host);
            IPAddress[] addresses = entry.AddressList;
            for (int i = 0; i < addresses.Length; i++)
            {
                if (addresses[i] != null && addresses[i].AddressFamily == AddressFamily.InterNetwork)
                {
                    return addresses[i];
                }
            }

            throw new SocketException(SocketError.HostNotFound);
        }

        // The order of nanoFramework's MqttNetworkChannel.Close: the SslStream (which closes the
        // socket natively), then the socket. Closing twice must stay harmless.
        private static void CloseQuietly(SslStream ssl, Socket socket)
        {
            if (ssl != null)
            {
                try
                {
                    ssl.Dispose();
                }
                catch (Exception)
                {
                    // already closed
                }
            }

            if (socket != null)
            {
                try
                {
                    socket.Close();
                }
                catch (Exception)
                {
                    // already closed
                }
            }
        }
    }
}
