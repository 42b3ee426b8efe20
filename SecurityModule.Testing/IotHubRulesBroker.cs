using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
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
    /// <item>Twins: each identity has one, kept here: desired and reported properties, each with a "$version"
    /// that starts at 1. A GET ("$iothub/twin/GET/?$rid={rid}") is answered 200 with
    /// {"desired":{…,"$version":n},"reported":{…,"$version":m}}; a reported PATCH is applied as a JSON merge
    /// patch (null deletes) and answered 204 with "&amp;$version={new version}", or 400, changing nothing, when
    /// its payload is not a JSON object with property names IoT Hub accepts; while <see cref="ThrottleTwinRequests"/>
    /// lasts, requests are answered 429 and not applied. An answer goes on "$iothub/twin/res/{status}/?$rid={rid}"
    /// (QoS 0, empty payload but for 200) to the requesting client alone, and only if it subscribed
    /// "$iothub/twin/res/#", as IoT Hub does. Every request is recorded in <see cref="TwinRequests"/> before its
    /// answer is sent. The cloud side is played by <see cref="SetDesiredProperties"/> (no notification) and
    /// <see cref="UpdateDesiredPropertiesAsync"/>, which notifies the identity on
    /// "$iothub/twin/PATCH/properties/desired/?$version={v}" if it is connected and subscribed. Sizes and depth
    /// are not checked.</item>
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
        private readonly WaitableList<TwinRequest> _twinRequests = new WaitableList<TwinRequest>();
        private readonly object _twinLock = new object();
        private readonly Dictionary<string, TwinDocument> _twins = new Dictionary<string, TwinDocument>(StringComparer.Ordinal);

        // The recipient of each message the broker injects, by reference: MQTTnet offers an injected message to
        // every matching subscription, and OnInterceptingClientEnqueueAsync lets it through to this client only.
        private readonly ConcurrentDictionary<MqttApplicationMessage, string> _targets =
            new ConcurrentDictionary<MqttApplicationMessage, string>(ReferenceEqualityComparer.Instance);
        private readonly object _sendLock = new object();
        private readonly TestCertificates? _ownedCertificates;
        private Task _sendTail = Task.CompletedTask;
        private MqttServer? _server;
        private int _throttleTwinRequests;
        private bool _refuseReported;

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

        /// <summary>Every twin request (GET, reported PATCH) with the status it was answered, in arrival order.</summary>
        public IReadOnlyList<TwinRequest> TwinRequests => _twinRequests.Snapshot();

        /// <summary>
        /// When true, every reported-properties PATCH is answered 400 and not applied, as IoT Hub
        /// answers a document it refuses; for testing how a client takes a refusal.
        /// </summary>
        public bool RefuseReportedProperties
        {
            get
            {
                lock (_twinLock)
                {
                    return _refuseReported;
                }
            }

            set
            {
                lock (_twinLock)
                {
                    _refuseReported = value;
                }
            }
        }

        /// <summary>
        /// How many of the next twin requests (GET or reported PATCH, from any client) are answered 429
        /// (throttled) and not applied; each such request takes one off. 0, the default, serves them all.
        /// </summary>
        public int ThrottleTwinRequests
        {
            get
            {
                lock (_twinLock)
                {
                    return _throttleTwinRequests;
                }
            }

            set
            {
                if (value < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), "A count of requests is not negative.");
                }

                lock (_twinLock)
                {
                    _throttleTwinRequests = value;
                }
            }
        }

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

        /// <summary>Waits until the recorded twin requests satisfy <paramref name="condition"/>.</summary>
        /// <param name="condition">Checked after every twin request, on all requests so far.</param>
        /// <param name="timeout">Longest wait.</param>
        /// <param name="description">What is awaited, for the timeout message.</param>
        /// <returns>All twin requests at that moment.</returns>
        /// <exception cref="TimeoutException">Not in time; the message lists what was recorded.</exception>
        public Task<IReadOnlyList<TwinRequest>> WaitForTwinRequestsAsync(
            Func<IReadOnlyList<TwinRequest>, bool> condition, TimeSpan timeout, string description = "a twin request condition")
            => _twinRequests.WaitAsync(condition, timeout, description);

        /// <summary>
        /// Replaces the desired properties of an identity's twin, as the cloud side does, without notifying
        /// the device (it sees them on its next GET): e.g. the configuration a device finds when it connects.
        /// </summary>
        /// <param name="clientId">"{deviceId}" or "{deviceId}/{moduleId}".</param>
        /// <param name="desiredJson">A JSON object without "$version"; null members are left out.</param>
        /// <remarks>A twin that does not exist yet is created with these properties at version 1; otherwise the version goes up by one.</remarks>
        /// <exception cref="ArgumentException">A malformed client id, or JSON that IoT Hub would refuse.</exception>
        public void SetDesiredProperties(string clientId, string desiredJson)
        {
            CheckClientId(clientId);
            JsonObject desired = ParseCloudProperties(desiredJson, nameof(desiredJson));
            lock (_twinLock)
            {
                if (_twins.TryGetValue(clientId, out TwinDocument? twin))
                {
                    twin.ReplaceDesired(desired);
                }
                else
                {
                    _twins[clientId] = new TwinDocument(desired);
                }
            }
        }

        /// <summary>
        /// Updates the desired properties of an identity's twin with a JSON merge patch, as the cloud side does,
        /// and, if the identity is connected and subscribed "$iothub/twin/PATCH/properties/desired/#", notifies it
        /// alone on "$iothub/twin/PATCH/properties/desired/?$version={v}" with the patch plus "$version": v.
        /// </summary>
        /// <param name="clientId">"{deviceId}" or "{deviceId}/{moduleId}".</param>
        /// <param name="patchJson">A JSON object without "$version"; a null member deletes that property.</param>
        /// <returns>Completes once the notification was queued for the client's connection, or not sent (not connected).</returns>
        /// <exception cref="ArgumentException">A malformed client id, or JSON that IoT Hub would refuse.</exception>
        public Task UpdateDesiredPropertiesAsync(string clientId, string patchJson)
        {
            CheckClientId(clientId);
            JsonObject patch = ParseCloudProperties(patchJson, nameof(patchJson));
            lock (_twinLock)
            {
                int version = GetTwin(clientId, create: true).PatchDesired(patch);

                // IoT Hub sends the patch as given (its nulls tell the device what was deleted) with the new version.
                byte[] body = Encoding.UTF8.GetBytes(TwinDocument.WithVersion(patch, version).ToJsonString());
                return SendAsync(clientId, $"$iothub/twin/PATCH/properties/desired/?$version={version}", body);
            }
        }

        /// <summary>The desired properties of an identity's twin, as JSON text with their "$version".</summary>
        /// <param name="clientId">"{deviceId}" or "{deviceId}/{moduleId}"; an identity without a twin yet has {"$version":1}.</param>
        public string GetDesiredProperties(string clientId)
        {
            lock (_twinLock)
            {
                return GetTwin(CheckClientId(clientId), create: false).Desired().ToJsonString();
            }
        }

        /// <summary>The reported properties of an identity's twin, as JSON text with their "$version".</summary>
        /// <param name="clientId">"{deviceId}" or "{deviceId}/{moduleId}"; an identity without a twin yet has {"$version":1}.</param>
        public string GetReportedProperties(string clientId)
        {
            lock (_twinLock)
            {
                return GetTwin(CheckClientId(clientId), create: false).Reported().ToJsonString();
            }
        }

        /// <summary>Waits until the reported properties of an identity's twin satisfy <paramref name="condition"/>.</summary>
        /// <param name="clientId">"{deviceId}" or "{deviceId}/{moduleId}".</param>
        /// <param name="condition">Checked now and after every twin request, on a copy of the reported properties with their "$version".</param>
        /// <param name="timeout">Longest wait.</param>
        /// <returns>The reported properties (a copy, with "$version") that satisfied the condition.</returns>
        /// <exception cref="TimeoutException">Not in time; the message lists the twin requests and the reported properties now.</exception>
        public async Task<JsonObject> WaitForReportedAsync(string clientId, Func<JsonObject, bool> condition, TimeSpan timeout)
        {
            CheckClientId(clientId);
            JsonObject? satisfied = null;
            try
            {
                // Reported properties change only through twin requests, each of which is recorded after it is applied.
                await _twinRequests.WaitAsync(
                    _ =>
                    {
                        JsonObject reported;
                        lock (_twinLock)
                        {
                            reported = GetTwin(clientId, create: false).Reported();
                        }

                        satisfied = condition(reported) ? reported : null;
                        return satisfied != null;
                    },
                    timeout,
                    $"the reported properties of '{clientId}' to satisfy a condition").ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}. Reported properties of '{clientId}' now: {GetReportedProperties(clientId)}", e);
            }

            return satisfied!;
        }

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
                // Let a twin message already being sent finish on the running server; later ones find no server.
                Task sends;
                lock (_sendLock)
                {
                    sends = _sendTail;
                }

                await sends.ConfigureAwait(false);
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

        private static string CheckClientId(string clientId)
        {
            if (IotHubIdentity.FromClientId(clientId) == null)
            {
                throw new ArgumentException("A client id is \"{deviceId}\" or \"{deviceId}/{moduleId}\".", nameof(clientId));
            }

            return clientId;
        }

        private static JsonObject ParseCloudProperties(string json, string name)
        {
            string? error = IotHubRules.CheckTwinProperties(json ?? throw new ArgumentNullException(name), out JsonObject? properties);
            return error == null ? properties! : throw new ArgumentException("IoT Hub would refuse these properties: " + error, name);
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
                server.InterceptingClientEnqueueAsync += OnInterceptingClientEnqueueAsync;
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

            var accepted = new AcceptedPublish(
                e.ClientId, message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain, isTelemetry);
            _publishes.Add(accepted);
            if (IotHubRules.ParseTwinRequest(message.Topic) is (string kind, string rid))
            {
                AnswerTwinRequest(e.ClientId, kind, rid, accepted.PayloadText);
            }

            return Task.CompletedTask;
        }

        private Task OnInterceptingClientEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs e)
        {
            // Only messages the broker injected for this very client get through. Device publishes never
            // reach this point (they are not processed), but an unmarked message is refused all the same.
            e.AcceptEnqueue = _targets.TryGetValue(e.ApplicationMessage, out string? target) && target == e.ReceiverClientId;
            return Task.CompletedTask;
        }

        /// <summary>Applies a twin request, records it, and queues its answer to the requester.</summary>
        private void AnswerTwinRequest(string clientId, string kind, string rid, string payload)
        {
            lock (_twinLock)
            {
                TwinDocument twin = GetTwin(clientId, create: true);
                int status;
                string version = string.Empty;
                byte[] body = Array.Empty<byte>();
                if (_throttleTwinRequests > 0)
                {
                    _throttleTwinRequests--;
                    status = 429;
                }
                else if (kind == TwinRequest.Get)
                {
                    status = 200;
                    body = Encoding.UTF8.GetBytes(twin.ToGetResponse().ToJsonString());
                }
                else if (!_refuseReported && IotHubRules.CheckTwinProperties(payload, out JsonObject? patch) == null)
                {
                    status = 204;
                    version = "&$version=" + twin.PatchReported(patch!);
                }
                else
                {
                    status = 400;
                }

                // Recorded before the answer is queued, so a client holding the answer finds its request here.
                _twinRequests.Add(new TwinRequest(clientId, kind, rid, status, payload));
                _ = SendAsync(clientId, $"$iothub/twin/res/{status}/?$rid={rid}{version}", body);
            }
        }

        /// <summary>Caller holds _twinLock. An identity without a twin has a fresh one, kept only if <paramref name="create"/>.</summary>
        private TwinDocument GetTwin(string clientId, bool create)
        {
            if (!_twins.TryGetValue(clientId, out TwinDocument? twin))
            {
                twin = new TwinDocument();
                if (create)
                {
                    _twins[clientId] = twin;
                }
            }

            return twin;
        }

        /// <summary>
        /// Queues a QoS 0 message to one client, behind every message queued before it, so that answers
        /// and notifications keep the order of the requests and versions. Sent off the caller's thread:
        /// twin requests are answered from MQTTnet's publish interceptor, which must not wait for its own server.
        /// </summary>
        private Task SendAsync(string clientId, string topic, byte[] payload)
        {
            lock (_sendLock)
            {
                Task send = _sendTail
                    .ContinueWith(_ => InjectAsync(clientId, topic, payload), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
                    .Unwrap();

                // The tail never faults: a failed send is its caller's to see and does not stop the next one.
                _sendTail = send.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return send;
            }
        }

        private async Task InjectAsync(string clientId, string topic, byte[] payload)
        {
            MqttServer? server = _server;
            if (server == null)
            {
                return; // disposed: nobody is left to receive it
            }

            // IoT Hub sends twin messages to connected clients only; MQTTnet would also queue them for a persistent session.
            IList<MqttClientStatus> clients = await server.GetClientsAsync().ConfigureAwait(false);
            if (!clients.Any(c => c.Id == clientId))
            {
                return;
            }

            MqttApplicationMessage message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .Build();
            _targets[message] = clientId;
            try
            {
                // MQTTnet offers the message to every matching subscription within this call.
                await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message), CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _targets.TryRemove(message, out _);
            }
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
