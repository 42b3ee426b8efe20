namespace NanoSecurity
{
    /// <summary>
    /// A byte stream to the hub: a TCP connection, normally with TLS. The target implements it
    /// (System.Net Socket + SslStream on nanoFramework, TcpClient + SslStream on a PC).
    /// </summary>
    /// <remarks>
    /// One thread reads while another writes; an implementation must allow that, as sockets do.
    /// Failures are reported by throwing (System.IO.IOException or any other exception); the
    /// transport treats every exception as a lost connection.
    /// </remarks>
    public interface INetworkChannel
    {
        /// <summary>Opens the connection (and completes the TLS handshake, if any).</summary>
        /// <param name="host">Host name, e.g. "myhub.azure-devices.net"; also the TLS server name.</param>
        /// <param name="port">TCP port, 8883 for MQTT over TLS.</param>
        void Connect(string host, int port);

        /// <summary>Reads what is available, waiting at most <paramref name="timeoutMilliseconds"/>.</summary>
        /// <param name="buffer">Destination.</param>
        /// <param name="offset">Index of the first byte to fill.</param>
        /// <param name="count">Most bytes to read.</param>
        /// <param name="timeoutMilliseconds">Longest wait for the first byte.</param>
        /// <returns>Bytes read; 0 when the timeout passed with nothing to read.</returns>
        /// <exception cref="System.IO.IOException">The connection was closed or failed.</exception>
        int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds);

        /// <summary>Writes all of the given bytes.</summary>
        /// <param name="buffer">Source.</param>
        /// <param name="offset">Index of the first byte.</param>
        /// <param name="count">Bytes to write.</param>
        void Write(byte[] buffer, int offset, int count);

        /// <summary>Closes the connection; a blocked Read then fails. Closing twice is harmless.</summary>
        void Close();
    }
}
