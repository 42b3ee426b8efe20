using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="INetworkChannel"/> for a PC: TcpClient + SslStream, TLS 1.2 or 1.3, the server
    /// certificate validated against one CA file or the system store, and its name checked.
    /// </summary>
    /// <remarks>
    /// One thread may read while another writes. <see cref="Read"/> with a timeout never damages
    /// the TLS stream: a read that times out stays pending and the next call resumes it (see
    /// <see cref="ChannelConnection"/>). After <see cref="Close"/>, <see cref="Connect"/> opens a
    /// new connection.
    /// </remarks>
    public sealed class TlsNetworkChannel : INetworkChannel, IDisposable
    {
        private readonly TlsChannelOptions _options;
        private readonly X509Certificate2Collection? _trustedCas;
        private readonly object _stateLock = new object();
        private ChannelConnection? _connection;
        private SslProtocols? _tlsProtocol;

        /// <summary>Creates a channel; it connects on <see cref="Connect"/>.</summary>
        /// <param name="options">Trust, timeouts and the plaintext opt-in; null for the defaults (TLS, system store).</param>
        /// <exception cref="ArgumentException">The CA file holds no certificate, or a timeout is invalid.</exception>
        /// <exception cref="IOException">The CA file cannot be read.</exception>
        public TlsNetworkChannel(TlsChannelOptions? options = null)
        {
            _options = options ?? new TlsChannelOptions();
            if (_options.ConnectTimeoutMilliseconds <= 0)
            {
                throw new ArgumentException("ConnectTimeoutMilliseconds must be greater than 0.", nameof(options));
            }

            if (_options.WriteTimeoutMilliseconds <= 0 && _options.WriteTimeoutMilliseconds != Timeout.Infinite)
            {
                throw new ArgumentException("WriteTimeoutMilliseconds must be greater than 0, or Timeout.Infinite.", nameof(options));
            }

            // Read once, here, so that a missing or bad file fails at start-up rather than at every reconnect.
            if (_options.CaCertificateFile != null && !_options.AllowPlaintext)
            {
                _trustedCas = new X509Certificate2Collection();
                try
                {
                    _trustedCas.ImportFromPemFile(_options.CaCertificateFile);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.Cryptography.CryptographicException)
                {
                    throw new IOException($"Cannot read the CA certificate file '{_options.CaCertificateFile}': {e.Message}", e);
                }

                if (_trustedCas.Count == 0)
                {
                    throw new ArgumentException($"The CA certificate file '{_options.CaCertificateFile}' holds no PEM certificate.", nameof(options));
                }
            }
        }

        /// <summary>Whether a connection is open (connected and not closed, no failure seen yet).</summary>
        public bool IsConnected => Volatile.Read(ref _connection)?.IsOpen == true;

        /// <summary>The TLS version of the current or last connection; null for plain TCP or before any.</summary>
        public SslProtocols? TlsProtocol => _tlsProtocol;

        /// <inheritdoc />
        /// <exception cref="ArgumentException">Empty host or port out of range.</exception>
        /// <exception cref="InvalidOperationException">Already connected, or plaintext asked for a non-loopback host.</exception>
        /// <exception cref="IOException">The TCP connection failed.</exception>
        /// <exception cref="TimeoutException">Connecting or the handshake took longer than the connect timeout.</exception>
        /// <exception cref="AuthenticationException">The TLS handshake failed; the message says why.</exception>
        public void Connect(string host, int port)
        {
            if (string.IsNullOrEmpty(host))
            {
                throw new ArgumentException("The host is empty.", nameof(host));
            }

            if (port <= 0 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, "Not a TCP port.");
            }

            if (_options.AllowPlaintext && !IsLoopback(host))
            {
                throw new InvalidOperationException(
                    $"Plain TCP to {host} refused: AllowPlaintext is for local tests on a loopback address only.");
            }

            lock (_stateLock)
            {
                if (_connection != null && _connection.IsOpen)
                {
                    throw new InvalidOperationException("The channel is already connected; Close it first.");
                }

                _connection?.Dispose();
                _connection = null;
                _tlsProtocol = null;
            }

            string peer = FormatPeer(host, port);
            using var timeout = new CancellationTokenSource(_options.ConnectTimeoutMilliseconds);
            var tcp = new TcpClient();
            try
            {
                // Nagle would hold back the small MQTT packets (PUBACK, PINGREQ) waiting for more.
                tcp.NoDelay = true;
                tcp.SendTimeout = _options.WriteTimeoutMilliseconds == Timeout.Infinite ? 0 : _options.WriteTimeoutMilliseconds;
                ConnectTcp(tcp, host, port, peer, timeout.Token);

                Stream stream = _options.AllowPlaintext
                    ? tcp.GetStream()
                    : Handshake(tcp, host, peer, timeout.Token);

                lock (_stateLock)
                {
                    _connection = new ChannelConnection(tcp, stream, peer);
                }
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        }

        /// <inheritdoc />
        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds)
        {
            CheckRange(buffer, offset, count);
            if (timeoutMilliseconds < 0 && timeoutMilliseconds != Timeout.Infinite)
            {
                throw new ArgumentOutOfRangeException(nameof(timeoutMilliseconds), timeoutMilliseconds, "Must be 0 or more, or Timeout.Infinite.");
            }

            if (count == 0)
            {
                return 0;
            }

            return Current().Read(buffer, offset, count, timeoutMilliseconds);
        }

        /// <inheritdoc />
        public void Write(byte[] buffer, int offset, int count)
        {
            CheckRange(buffer, offset, count);
            Current().Write(buffer, offset, count);
        }

        /// <inheritdoc />
        public void Close()
        {
            ChannelConnection? connection;
            lock (_stateLock)
            {
                connection = _connection;
            }

            // Not under the lock: it completes a Read blocked on another thread, which must not wait for us.
            connection?.Dispose();
        }

        /// <summary>Same as <see cref="Close"/>.</summary>
        public void Dispose() => Close();

        private static void ConnectTcp(TcpClient tcp, string host, int port, string peer, CancellationToken timeout)
        {
            try
            {
                tcp.ConnectAsync(host, port, timeout).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {peer} timed out.", e);
            }
            catch (SocketException e)
            {
                throw new IOException($"Connecting to {peer} failed: {e.Message} ({e.SocketErrorCode}).", e);
            }
        }

        private SslStream Handshake(TcpClient tcp, string host, string peer, CancellationToken timeout)
        {
            // Set by the validation callback, so that the exception can say why the server was refused;
            // SslStream itself only says "the remote certificate is invalid".
            string? refusal = null;
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var authentication = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = _options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    refusal = DescribeRefusal(errors, chain, host);
                    return refusal == null;
                },
            };

            if (_trustedCas != null)
            {
                // Trust exactly the given CA, as a device with one pinned root does; SslStream then
                // builds the chain with this policy and reports its errors to the callback.
                var policy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = authentication.CertificateRevocationCheckMode,
                };
                policy.CustomTrustStore.AddRange(_trustedCas);
                authentication.CertificateChainPolicy = policy;
            }

            try
            {
                ssl.AuthenticateAsClientAsync(authentication, timeout).GetAwaiter().GetResult();
                _tlsProtocol = ssl.SslProtocol;
                return ssl;
            }
            catch (Exception e)
            {
                ssl.Dispose();
                if (e is OperationCanceledException && timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"TLS handshake with {peer} timed out.", e);
                }

                string why = refusal ?? DescribeFailure(e);
                throw new AuthenticationException($"TLS handshake with {peer} failed: {why}", e);
            }
        }

        private string? DescribeRefusal(SslPolicyErrors errors, X509Chain? chain, string host)
        {
            if (errors == SslPolicyErrors.None)
            {
                return null;
            }

            var reasons = new List<string>();
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                reasons.Add("the server sent no certificate (RemoteCertificateNotAvailable)");
            }

            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                reasons.Add($"the server certificate is not valid for the name '{host}' (RemoteCertificateNameMismatch)");
            }

            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                var statuses = new List<string>();
                bool timeInvalid = false;
                if (chain != null)
                {
                    foreach (X509ChainStatus status in chain.ChainStatus)
                    {
                        string name = status.Status.ToString();
                        timeInvalid |= (status.Status & X509ChainStatusFlags.NotTimeValid) != 0;
                        if (!statuses.Contains(name))
                        {
                            statuses.Add(name);
                        }
                    }
                }

                string detail = statuses.Count > 0 ? string.Join(", ", statuses) : "RemoteCertificateChainErrors";
                if (timeInvalid)
                {
                    reasons.Add($"the server certificate chain has expired or is not yet valid ({detail})");
                }
                else if (_trustedCas != null)
                {
                    reasons.Add($"the server certificate does not chain to the CA in {Path.GetFileName(_options.CaCertificateFile)} ({detail})");
                }
                else
                {
                    reasons.Add($"the server certificate is not trusted by the system certificate store ({detail})");
                }
            }

            return string.Join("; ", reasons);
        }

        private static string DescribeFailure(Exception e)
        {
            // The outer .NET message is often just "see inner exception": collect the distinct ones.
            var parts = new List<string>();
            for (Exception? current = e; current != null; current = current.InnerException)
            {
                string text = current.Message.Trim();
                if (text.Length > 0 && !text.Contains("see inner exception", StringComparison.OrdinalIgnoreCase)
                    && !parts.Exists(part => part.Contains(text.TrimEnd('.'), StringComparison.Ordinal)))
                {
                    parts.Add(text);
                }
            }

            string message = string.Join(" ", parts);

            // An EOF or reset during the handshake is what a plain MQTT listener does on receiving a
            // ClientHello (so does a server that only speaks TLS 1.0/1.1); say so, .NET does not.
            if (e is IOException || e.InnerException is IOException)
            {
                return "the server closed the connection instead of answering with TLS (a plain listener, or no TLS 1.2/1.3?): " + message;
            }

            return message;
        }

        private static bool IsLoopback(string host)
        {
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
        }

        private static string FormatPeer(string host, int port)
        {
            return host.IndexOf(':') >= 0 ? $"[{host}]:{port}" : $"{host}:{port}";
        }

        private static void CheckRange(byte[] buffer, int offset, int count)
        {
            if (buffer == null)
            {
                throw new ArgumentNullException(nameof(buffer));
            }

            if (offset < 0 || count < 0 || offset > buffer.Length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), "offset and count do not fit the buffer.");
            }
        }

        private ChannelConnection Current()
        {
            return Volatile.Read(ref _connection) ?? throw new IOException("The channel is not connected.");
        }
    }
}
