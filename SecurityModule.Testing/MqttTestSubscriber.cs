using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// An MQTT 3.1.1 client (MQTTnet) that subscribes to one topic filter with QoS 1 and records
    /// every message it receives, thread-safely. It reconnects and subscribes again by itself when
    /// the connection drops (a broker restart), so with a fixed client id and clean session false
    /// it receives what the broker queued meanwhile.
    /// </summary>
    public sealed class MqttTestSubscriber : IAsyncDisposable, IDisposable
    {
        private readonly MqttTestSubscriberOptions _options;
        private readonly IMqttClient _client;
        private readonly MqttClientOptions _clientOptions;
        private readonly X509Certificate2Collection? _trustedCas;
        private readonly WaitableList<ReceivedMessage> _messages = new WaitableList<ReceivedMessage>();
        private readonly WaitableList<DateTime> _connections = new WaitableList<DateTime>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private Task? _keepConnected;
        private volatile Exception? _lastError;

        private MqttTestSubscriber(MqttTestSubscriberOptions options)
        {
            _options = options;
            ClientId = options.ClientId ?? "test-subscriber-" + Guid.NewGuid().ToString("N").Substring(0, 12);
            if (options.UseTls && options.CaCertificateFile != null)
            {
                _trustedCas = new X509Certificate2Collection();
                _trustedCas.ImportFromPemFile(options.CaCertificateFile);
            }

            MqttClientOptionsBuilder builder = new MqttClientFactory().CreateClientOptionsBuilder()
                .WithTcpServer(options.Host, options.Port)
                .WithProtocolVersion(MqttProtocolVersion.V311)
                .WithClientId(ClientId)
                .WithCleanSession(options.CleanSession)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                .WithTimeout(options.ConnectTimeout);
            if (options.UserName != null)
            {
                builder = builder.WithCredentials(options.UserName, options.Password);
            }

            if (options.UseTls)
            {
                builder = builder.WithTlsOptions(tls => tls
                    .UseTls(true)
                    .WithTargetHost(options.TlsTargetHost ?? options.Host)
                    .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                    .WithCertificateValidationHandler(ValidateServerCertificate));
            }

            _clientOptions = builder.Build();
            _client = new MqttClientFactory().CreateMqttClient();
            _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        }

        /// <summary>The client id used (the given one, or a generated one).</summary>
        public string ClientId { get; }

        /// <summary>Whether the client is connected right now.</summary>
        public bool IsConnected => _client.IsConnected;

        /// <summary>How many times it connected (and subscribed), the first time included.</summary>
        public int ConnectionCount => _connections.Count;

        /// <summary>The last error of a reconnection attempt; null when none failed.</summary>
        public Exception? LastError => _lastError;

        /// <summary>Every message received, in order (duplicates of QoS 1 redeliveries included).</summary>
        public IReadOnlyList<ReceivedMessage> Messages => _messages.Snapshot();

        /// <summary>Connects, subscribes, and from then on keeps the subscription alive.</summary>
        /// <param name="options">Broker, topic filter, session and TLS settings.</param>
        /// <param name="cancellationToken">Cancels the first connection.</param>
        /// <returns>The connected, subscribed subscriber.</returns>
        /// <exception cref="InvalidOperationException">The broker refused the connection or the subscription.</exception>
        public static async Task<MqttTestSubscriber> ConnectAsync(MqttTestSubscriberOptions options, CancellationToken cancellationToken = default)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            var subscriber = new MqttTestSubscriber(options);
            try
            {
                await subscriber.ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await subscriber.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            subscriber._keepConnected = Task.Run(() => subscriber.KeepConnectedAsync(subscriber._stop.Token));
            return subscriber;
        }

        /// <summary>Waits until at least <paramref name="count"/> messages were received.</summary>
        /// <returns>All messages at that moment.</returns>
        /// <exception cref="TimeoutException">Fewer arrived in time; the message lists what was received.</exception>
        public Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
            => _messages.WaitAsync(m => m.Count >= count, timeout, $"{count} message(s) on '{_options.TopicFilter}'");

        /// <summary>Waits until the received messages satisfy <paramref name="condition"/>.</summary>
        /// <param name="condition">Checked after every received message.</param>
        /// <param name="timeout">Longest wait.</param>
        /// <param name="description">What is awaited, for the timeout message.</param>
        /// <returns>All messages at that moment.</returns>
        /// <exception cref="TimeoutException">Not in time; the message lists what was received.</exception>
        public Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(
            Func<IReadOnlyList<ReceivedMessage>, bool> condition, TimeSpan timeout, string description = "a message condition")
            => _messages.WaitAsync(condition, timeout, description);

        /// <summary>Waits until it has connected at least <paramref name="count"/> times (e.g. 2: reconnected once).</summary>
        /// <exception cref="TimeoutException">Not in time.</exception>
        public async Task WaitForConnectionCountAsync(int count, TimeSpan timeout)
        {
            try
            {
                await _connections.WaitAsync(c => c.Count >= count, timeout, $"{count} connection(s) of '{ClientId}'").ConfigureAwait(false);
            }
            catch (TimeoutException e) when (_lastError != null)
            {
                throw new TimeoutException(e.Message + $" Last connection error: {_lastError.Message}", e);
            }
        }

        /// <summary>Stops reconnecting and disconnects cleanly (a persistent session stays on the broker).</summary>
        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }

            if (_keepConnected != null)
            {
                await _keepConnected.ConfigureAwait(false);
            }

            if (_client.IsConnected)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The broker may be gone already; there is nothing to disconnect from.
                }
            }

            _client.Dispose();
            _stop.Dispose();
        }

        /// <summary>Same as <see cref="DisposeAsync"/>, blocking.</summary>
        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

        private async Task ConnectOnceAsync(CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            MqttClientConnectResult result = await _client.ConnectAsync(_clientOptions, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"{_options.Host}:{_options.Port} refused '{ClientId}': {result.ResultCode} {result.ReasonString}");
            }

            // Also when the broker kept the session: subscribing again is harmless, and needed if it lost it.
            MqttClientSubscribeResult subscribed = await _client
                .SubscribeAsync(_options.TopicFilter, MqttQualityOfServiceLevel.AtLeastOnce, timeout.Token)
                .ConfigureAwait(false);
            foreach (MqttClientSubscribeResultItem item in subscribed.Items)
            {
                if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
                {
                    throw new InvalidOperationException($"Subscribing to '{_options.TopicFilter}' failed: {item.ResultCode}");
                }
            }

            _connections.Add(DateTime.UtcNow);
        }

        private async Task KeepConnectedAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.ReconnectDelay, stop).ConfigureAwait(false);
                    if (!_client.IsConnected)
                    {
                        await ConnectOnceAsync(stop).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The broker is not back yet; try again after the delay.
                    _lastError = e;
                }
            }
        }

        private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
        {
            // Recorded before the handler returns, so before MQTTnet sends the PUBACK: nothing
            // acknowledged is ever missing from the record.
            MqttApplicationMessage message = e.ApplicationMessage;
            _messages.Add(new ReceivedMessage(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain));
            return Task.CompletedTask;
        }

        private bool ValidateServerCertificate(MqttClientCertificateValidationEventArgs e)
        {
            if (_trustedCas == null)
            {
                return e.SslPolicyErrors == SslPolicyErrors.None;
            }

            // Name and presence as SslStream judged them; the chain against the given CA only.
            if ((e.SslPolicyErrors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None || e.Certificate == null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_trustedCas);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData());
            return chain.Build(certificate);
        }
    }
}
