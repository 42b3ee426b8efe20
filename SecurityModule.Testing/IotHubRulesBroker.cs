using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Threading.Tasks;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// An in-process MQTT broker (MQTTnet 5) on 127.0.0.1 that plays Azure IoT Hub's MQTT
    /// endpoint: TLS with a generated certificate (optionally also plain), MQTT 3.1.1 only, and
    /// IoT Hub's rules enforced.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>CONNECT: the client id is "{deviceId}" or "{deviceId}/{moduleId}" of a registered identity,
    /// the user name "{host}/{deviceId}[/{moduleId}]/?api-version=…", the password a SAS token for that
    /// identity (resource "{host}/devices/{d}[/modules/{m}]", HMAC-SHA256 with its key, not expired).
    /// A malformed user name or password gets CONNACK 4, anything else wrong 5 (2 for an empty client id,
    /// 1 for a protocol other than 3.1.1). Every refusal is recorded in <see cref="RejectedConnections"/>.</item>
    /// <item>PUBLISH: only to the identity's "…/messages/events/…" (telemetry), "$iothub/twin/GET/…",
    /// "$iothub/twin/PATCH/properties/reported/…" and "$iothub/methods/res/…"; QoS 0 or 1; no RETAIN.</item>
    /// <item>SUBSCRIBE: only "$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#",
    /// "$iothub/methods/POST/#" and (devices) "devices/{d}/messages/devicebound/#"; QoS 2 is granted as 1.
    /// The SUBACK codes come in the order of the request (MQTTnet alone would sort them by QoS).</item>
    /// <item>A PUBLISH or SUBSCRIBE breaking a rule closes the connection, as IoT Hub does, and is recorded in
    /// <see cref="Violations"/>; accepted publishes are recorded in <see cref="Publishes"/> and are not
    /// forwarded to any MQTT subscriber (IoT Hub sends telemetry to the cloud side only).</item>
    /// </list>
    /// </remarks>
    public sealed class IotHubRulesBroker : IAsyncDisposable, IDisposable
    {
        private const int BindAttempts = 5;

        private readonly ConcurrentDictionary<string, byte[]> _keys = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        private readonly WaitableList<AcceptedPublish> _publishes = new WaitableList<AcceptedPublish>();
        private readonly WaitableList<RejectedConnection> _rejected = new WaitableList<RejectedConnection>();
        private readonly WaitableList<RuleViolation> _violations = new WaitableList<RuleViolation>();
        private readonly WaitableList<string> _accepted = new WaitableList<string>();
        private readonly ConcurrentDictionary<(string ClientId, ushort PacketId), MqttTopicFilter[]> _subscribeRequests =
            new ConcurrentDictionary<(string ClientId, ushort PacketId), MqttTopicFilter[]>();
        private readonly TestCertificates? _ownedCertificates;
        private MqttServer? _server;

        private IotHubRulesBroker(IotHubRulesBrokerOptions options)
        {
            HostName = options.HostName;
            if (options.EnableTls)
            {
                Certificates = options.Certificates;
                if (Certificates == null)
                {
                    _ownedCertificates = TestCertificates.Create();
                    Certificates = _ownedCertificates;
                }
            }
        }

        /// <summary>The hub host name user names and SAS tokens must carry.</summary>
        public string HostName { get; }

        /// <summary>The address the broker listens on: always "127.0.0.1".</summary>
        public string Address => "127.0.0.1";

        /// <summary>Port of the TLS endpoint; 0 when TLS is off.</summary>
        public int TlsPort { get; private set; }

        /// <summary>Port of the plain endpoint; 0 when it is off (the default).</summary>
        public int PlaintextPort { get; private set; }

        /// <summary>Certificates of the TLS endpoint (clients trust its CA file); null when TLS is off.</summary>
        public TestCertificates? Certificates { get; }

        /// <summary>Every accepted PUBLISH, telemetry and twin/method alike, in arrival order.</summary>
        public IReadOnlyList<AcceptedPublish> Publishes => _publishes.Snapshot();

        /// <summary>The accepted device-to-cloud messages (telemetry) only, in arrival order.</summary>
        public IReadOnlyList<AcceptedPublish> Telemetry => _publishes.Snapshot().Where(p => p.IsTelemetry).ToArray();

        /// <summary>Every refused CONNECT, with its return code and reason.</summary>
        public IReadOnlyList<RejectedConnection> RejectedConnections => _rejected.Snapshot();

        /// <summary>Every PUBLISH or SUBSCRIBE for which a client was disconnected.</summary>
        public IReadOnlyList<RuleViolation> Violations => _violations.Snapshot();

        /// <summary>The client ids of every accepted CONNECT, in order (one entry per connection).</summary>
        public IReadOnlyList<string> AcceptedConnections => _accepted.Snapshot();

        /// <summary>Creates and starts a broker on free loopback ports.</summary>
        /// <param name="options">Host name, TLS and plain endpoints; null for TLS only as "localhost".</param>
        /// <returns>The running broker; register identities with <see cref="AddDevice"/> / <see cref="AddModule"/>.</returns>
        public static async Task<IotHubRulesBroker> StartAsync(IotHubRulesBrokerOptions? options = null)
        {
            options ??= new IotHubRulesBrokerOptions();
            if (!options.EnableTls && !options.EnablePlaintext)
            {
                throw new ArgumentException("Enable TLS, plaintext or both.", nameof(options));
            }

            var broker = new IotHubRulesBroker(options);
            try
            {
                await broker.StartServerAsync(options).ConfigureAwait(false);
                return broker;
            }
            catch
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>A new random 256-bit symmetric key, base64, as IoT Hub generates them.</summary>
        public static string NewSymmetricKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        /// <summary>Registers (or replaces) a device identity.</summary>
        /// <param name="deviceId">The device id.</param>
        /// <param name="symmetricKey">Its key, base64.</param>
        public void AddDevice(string deviceId, string symmetricKey) => Add(new IotHubIdentity(CheckId(deviceId, nameof(deviceId)), null), symmetricKey);

        /// <summary>Registers (or replaces) a module identity, which has its own key.</summary>
        /// <param name="deviceId">The device id.</param>
        /// <param name="moduleId">The module id, e.g. "azureiotsecurity".</param>
        /// <param name="symmetricKey">The module's key, base64.</param>
        public void AddModule(string deviceId, string moduleId, string symmetricKey)
            => Add(new IotHubIdentity(CheckId(deviceId, nameof(deviceId)), CheckId(moduleId, nameof(moduleId))), symmetricKey);

        /// <summary>Waits until at least <paramref name="count"/> telemetry messages were accepted.</summary>
        /// <returns>All accepted telemetry at that moment.</returns>
        /// <exception cref="TimeoutException">Fewer arrived in time; the message lists what was recorded.</exception>
        public Task<IReadOnlyList<AcceptedPublish>> WaitForTelemetryAsync(int count, TimeSpan timeout)
            => WaitForTelemetryAsync(telemetry => telemetry.Count >= count, timeout, $"{count} telemetry message(s)");

        /// <summary>Waits until the accepted telemetry satisfies <paramref name="condition"/>.</summary>
        /// <param name="condition">Checked after every accepted publish, on the telemetry so far.</param>
        /// <param name="timeout">Longest wait.</param>
        /// <param name="description">What is awaited, for the timeout message.</param>
        /// <returns>All accepted telemetry at that moment.</returns>
        /// <exception cref="TimeoutException">Not in time; the message lists what was recorded.</exception>
        public async Task<IReadOnlyList<AcceptedPublish>> WaitForTelemetryAsync(
            Func<IReadOnlyList<AcceptedPublish>, bool> condition, TimeSpan timeout, string description = "a telemetry condition")
        {
            IReadOnlyList<AcceptedPublish> all = await _publishes
                .WaitAsync(publishes => condition(publishes.Where(p => p.IsTelemetry).ToArray()), timeout, description)
                .ConfigureAwait(false);
            return all.Where(p => p.IsTelemetry).ToArray();
        }

        /// <summary>Waits until at least <paramref name="count"/> CONNECTs were refused.</summary>
        /// <returns>All refusals at that moment.</returns>
        /// <exception cref="TimeoutException">Fewer in time.</exception>
        public Task<IReadOnlyList<RejectedConnection>> WaitForRejectedConnectionsAsync(int count, TimeSpan timeout)
            => _rejected.WaitAsync(r => r.Count >= count, timeout, $"{count} refused connection(s)");

        /// <summary>Waits until at least <paramref name="count"/> rule violations were recorded.</summary>
        /// <returns>All violations at that moment.</returns>
        /// <exception cref="TimeoutException">Fewer in time.</exception>
        public Task<IReadOnlyList<RuleViolation>> WaitForViolationsAsync(int count, TimeSpan timeout)
            => _violations.WaitAsync(v => v.Count >= count, timeout, $"{count} rule violation(s)");

        /// <summary>Waits until at least <paramref name="count"/> CONNECTs were accepted.</summary>
        /// <returns>The client ids of all accepted connections at that moment.</returns>
        /// <exception cref="TimeoutException">Fewer in time.</exception>
        public Task<IReadOnlyList<string>> WaitForAcceptedConnectionsAsync(int count, TimeSpan timeout)
            => _accepted.WaitAsync(a => a.Count >= count, timeout, $"{count} accepted connection(s)");

        /// <summary>The client ids connected right now.</summary>
        public async Task<IReadOnlyList<string>> GetConnectedClientIdsAsync()
        {
            MqttServer server = _server ?? throw new ObjectDisposedException(nameof(IotHubRulesBroker));
            IList<MqttClientStatus> clients = await server.GetClientsAsync().ConfigureAwait(false);
            return clients.Select(c => c.Id).ToArray();
        }

        /// <summary>Drops every connection of <paramref name="clientId"/> without notice, as a hub-side network failure.</summary>
        public Task DisconnectClientAsync(string clientId)
        {
            MqttServer server = _server ?? throw new ObjectDisposedException(nameof(IotHubRulesBroker));
            return server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });
        }

        /// <summary>Stops the server (closing every connection) and releases the certificates it generated.</summary>
        public async ValueTask DisposeAsync()
        {
            MqttServer? server = _server;
            _server = null;
            if (server != null)
            {
                await server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
                server.Dispose();
            }

            _ownedCertificates?.Dispose();
        }

        /// <summary>Same as <see cref="DisposeAsync"/>, blocking.</summary>
        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

        private static string CheckId(string id, string name)
        {
            if (string.IsNullOrEmpty(id) || id.Contains('/'))
            {
                throw new ArgumentException("An id is non-empty and has no '/'.", name);
            }

            return id;
        }

        private void Add(IotHubIdentity identity, string symmetricKey)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(symmetricKey ?? throw new ArgumentNullException(nameof(symmetricKey)));
            }
            catch (FormatException e)
            {
                throw new ArgumentException("The symmetric key is not base64.", nameof(symmetricKey), e);
            }

            _keys[identity.ClientId] = key;
        }

        private async Task StartServerAsync(IotHubRulesBrokerOptions options)
        {
            var factory = new MqttServerFactory();
            for (int attempt = 1; ; attempt++)
            {
                TlsPort = !options.EnableTls ? 0 : options.TlsPort != 0 ? options.TlsPort : LoopbackPorts.GetFree();
                PlaintextPort = options.EnablePlaintext ? LoopbackPorts.GetFree() : 0;

                MqttServerOptionsBuilder builder = factory.CreateServerOptionsBuilder()
                    .WithPersistentSessions(true); // IoT Hub keeps clean-session-0 sessions (C2D subscriptions)

                // IPAddress.None for IPv6 leaves that listener out: MQTTnet otherwise binds [::] on every interface.
                builder = options.EnableTls
                    ? builder.WithEncryptedEndpoint()
                        .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
                        .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
                        .WithEncryptedEndpointPort(TlsPort)
                        .WithEncryptionCertificate(Certificates!.ServerCertificate)
                        .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13)
                    : builder.WithoutEncryptedEndpoint();
                builder = options.EnablePlaintext
                    ? builder.WithDefaultEndpoint()
                        .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                        .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
                        .WithDefaultEndpointPort(PlaintextPort)
                    : builder.WithoutDefaultEndpoint();

                MqttServer server = factory.CreateMqttServer(builder.Build());
                server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
                server.InterceptingPublishAsync += OnInterceptingPublishAsync;
                server.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
                server.InterceptingInboundPacketAsync += OnInboundPacketAsync;
                server.InterceptingOutboundPacketAsync += OnOutboundPacketAsync;
                try
                {
                    await server.StartAsync().ConfigureAwait(false);
                    _server = server;
                    return;
                }
                catch (SocketException)
                {
                    server.Dispose();

                    // Another process took a port between picking and binding it: pick again,
                    // unless the port was fixed by the caller.
                    if (attempt >= BindAttempts || (options.EnableTls && options.TlsPort != 0))
                    {
                        throw;
                    }
                }
            }
        }

        private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs e)
        {
            ConnectReturnCode code;
            string reason;
            if (e.ProtocolVersion != MqttProtocolVersion.V311)
            {
                code = ConnectReturnCode.UnacceptableProtocolVersion;
                reason = $"protocol {e.ProtocolVersion}; IoT Hub speaks MQTT 3.1.1";
            }
            else
            {
                (code, reason) = IotHubRules.CheckConnect(
                    HostName,
                    e.ClientId,
                    e.UserName,
                    e.Password,
                    identity => _keys.TryGetValue(identity.ClientId, out byte[]? key) ? key : null,
                    DateTimeOffset.UtcNow);
            }

            if (code == ConnectReturnCode.Accepted)
            {
                e.ReasonCode = MqttConnectReasonCode.Success;
                _accepted.Add(e.ClientId);
                return Task.CompletedTask;
            }

            // MQTTnet speaks MQTT 5 reason codes; for a 3.1.1 client it sends the matching return code.
            e.ReasonCode = code switch
            {
                ConnectReturnCode.UnacceptableProtocolVersion => MqttConnectReasonCode.UnsupportedProtocolVersion,
                ConnectReturnCode.IdentifierRejected => MqttConnectReasonCode.ClientIdentifierNotValid,
                ConnectReturnCode.BadUserNameOrPassword => MqttConnectReasonCode.BadUserNameOrPassword,
                ConnectReturnCode.ServerUnavailable => MqttConnectReasonCode.ServerUnavailable,
                _ => MqttConnectReasonCode.NotAuthorized,
            };
            _rejected.Add(new RejectedConnection(e.ClientId ?? string.Empty, e.UserName, code, reason));
            return Task.CompletedTask;
        }

        private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs e)
        {
            // Messages the server itself injects (no client) are not subject to device rules.
            if (string.IsNullOrEmpty(e.ClientId))
            {
                return Task.CompletedTask;
            }

            // IoT Hub delivers device messages to the cloud side, never to other MQTT clients.
            e.ProcessPublish = false;

            var message = e.ApplicationMessage;
            IotHubIdentity identity = IotHubIdentity.FromClientId(e.ClientId)!;
            string? violation = IotHubRules.CheckPublish(
                identity, message.Topic, (int)message.QualityOfServiceLevel, message.Retain, out bool isTelemetry);
            if (violation != null)
            {
                e.CloseConnection = true;
                _violations.Add(new RuleViolation(e.ClientId, message.Topic, violation));
                return Task.CompletedTask;
            }

            _publishes.Add(new AcceptedPublish(
                e.ClientId, message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain, isTelemetry));
            return Task.CompletedTask;
        }

        private Task OnInboundPacketAsync(InterceptingPacketEventArgs e)
        {
            if (e.Packet is MqttSubscribePacket subscribe && !string.IsNullOrEmpty(e.ClientId))
            {
                _subscribeRequests[(e.ClientId, subscribe.PacketIdentifier)] = subscribe.TopicFilters.ToArray();
            }

            return Task.CompletedTask;
        }

        private Task OnOutboundPacketAsync(InterceptingPacketEventArgs e)
        {
            // MQTTnet handles a SUBSCRIBE's filters by descending QoS and writes the SUBACK codes in
            // that order, while MQTT (and IoT Hub) answer in the order of the request. Rewrite them in
            // request order, with the same decisions as OnInterceptingSubscriptionAsync.
            if (e.Packet is MqttSubAckPacket subAck
                && !string.IsNullOrEmpty(e.ClientId)
                && _subscribeRequests.TryRemove((e.ClientId, subAck.PacketIdentifier), out MqttTopicFilter[]? filters))
            {
                IotHubIdentity identity = IotHubIdentity.FromClientId(e.ClientId)!;
                subAck.ReasonCodes = filters
                    .Select(f => IotHubRules.CheckSubscribe(identity, f.Topic) != null
                        ? MqttSubscribeReasonCode.NotAuthorized
                        : f.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce
                            ? MqttSubscribeReasonCode.GrantedQoS0
                            : MqttSubscribeReasonCode.GrantedQoS1)
                    .ToList();
            }

            return Task.CompletedTask;
        }

        private Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs e)
        {
            if (string.IsNullOrEmpty(e.ClientId))
            {
                return Task.CompletedTask;
            }

            IotHubIdentity identity = IotHubIdentity.FromClientId(e.ClientId)!;
            string? violation = IotHubRules.CheckSubscribe(identity, e.TopicFilter.Topic);
            if (violation != null)
            {
                e.ProcessSubscription = false;
                e.CloseConnection = true;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                _violations.Add(new RuleViolation(e.ClientId, e.TopicFilter.Topic, violation));
                return Task.CompletedTask;
            }

            // IoT Hub grants QoS 1 to a QoS 2 subscription rather than refusing it. MQTTnet takes the
            // granted QoS (SUBACK and delivery) from the response's reason code, not from the filter.
            if (e.TopicFilter.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
            {
                e.Response.ReasonCode = MqttSubscribeReasonCode.GrantedQoS1;
            }

            return Task.CompletedTask;
        }
    }
}
