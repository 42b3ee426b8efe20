using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// Keeps the module connected to IoT Hub and delivers the offline cache in order.
    /// </summary>
    /// <remarks>
    /// One thread: connect (SAS token from the device key, valid for <see cref="TokenLifetimeSeconds"/>),
    /// then publish the oldest cached message at QoS 1 (copied from the cache straight into the
    /// MQTT client's packet) and remove it from the cache only when its PUBACK arrives, one at a time so that order is kept across reconnects. A lost link or a
    /// refused connection is retried with exponential backoff and jitter, capped at 60 s; an
    /// authorization failure backs off the same way, so a wrong key never makes a tight loop.
    /// The token is renewed by reconnecting at 80% of its lifetime.
    /// <para>Twin: on every connection the session subscribes to the twin's answers and desired
    /// patches, GETs the whole twin, and once that is answered reports the configuration in
    /// force whenever it has not been reported (at start, and after every applied change).
    /// One twin request is outstanding at a time; 429 and 5xx answers are retried with
    /// backoff, an unanswered request after <see cref="TwinRequestTimeoutMilliseconds"/>, and
    /// a 400 to a report is logged and not repeated (the hub would refuse it again).
    /// Desired patches are applied as they arrive, on the client's reader thread.</para>
    /// </remarks>
    internal sealed class IotHubSession : IMqttClientHandler, IMqttPayloadSource
    {
        internal const int DefaultPort = 8883;
        internal const int DefaultTokenLifetimeSeconds = 3600;
        private const int MaxBackoffMilliseconds = 60 * 1000;
        private const int FirstBackoffMilliseconds = 1000;
        private const int KeepAliveSeconds = 60;
        private const int ConnectTimeoutMilliseconds = 30 * 1000;
        private const int IdleWaitMilliseconds = 500;
        private const int SubscribeTimeoutMilliseconds = 30 * 1000;
        private const int TwinRequestTimeoutMilliseconds = 30 * 1000;
        private const int StatusOk = 200;
        private const int StatusTooManyRequests = 429;
        private const int StatusServerError = 500;

        // Room for the PUBLISH header and topic around a message body.
        private const int PacketOverhead = 1024;

        // Largest packet sent or received: a twin document up to about ASC_MAX_MESSAGE_SIZE fits
        // (Microsoft's whole default configuration with its reported echo is about 3 KB).
        private const int MaxPacketSize = AscPortConfig.MaxMessageSize + PacketOverhead;

        // Everything but the telemetry (QoS 1, from the resend buffer) is small: CONNECT with its
        // SAS token, SUBSCRIBE, and the twin requests, the largest a reported-properties patch.
        private const int TransmitBufferSize = ReportedPropertiesWriter.MaxLength + PacketOverhead;

        private readonly IotHubConnectionString _connection;
        private readonly int _port;
        private readonly OutboundQueue _queue;
        private readonly MqttClient _client;
        private readonly CollectionEngine _engine;
        private readonly MessageStatistics _messages;
        private readonly IMonotonicClock _clock;
        private readonly IUtcClock _utc;
        private readonly IRandomSource _random;
        private readonly Logger _log;
        private readonly string _clientId;
        private readonly string _userName;
        private readonly string _topic;
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);

        // Only Stop may cut the reconnect backoff short: _wake is set at every engine tick and
        // would turn the backoff into a retry per tick.
        private readonly ManualResetEvent _stop = new ManualResetEvent(false);
        private readonly object _sync = new object();
        private readonly ModuleTwin _twin;
        private readonly JsonWriter _report;

        private Thread _thread;
        private bool _running;
        private bool _connected;
        private bool _inFlight;
        private uint _inFlightSequence;
        private int _inFlightLength;
        private int _failedAttempts;
        private long _renewAt;

        // Twin requests, guarded by _sync: the one outstanding (request id 0 for none), whether
        // this connection's GET was answered, and the backoff after a throttled request.
        private int _lastRid;
        private int _pendingRid;
        private bool _pendingIsGet;
        private long _pendingSince;
        private bool _twinFetched;
        private long _twinRetryAt;
        private int _twinRetries;

        internal IotHubSession(
            IotHubConnectionString connection,
            INetworkChannel channel,
            int port,
            OutboundQueue queue,
            CollectionEngine engine,
            ModuleTwin twin,
            MessageStatistics messages,
            IMonotonicClock clock,
            IUtcClock utc,
            IRandomSource random,
            Logger log)
        {
            _connection = connection;
            _port = port;
            _queue = queue;
            _engine = engine;
            _twin = twin;
            _report = twin != null ? new JsonWriter(ReportedPropertiesWriter.MaxLength) : null;
            _messages = messages;
            _clock = clock;
            _utc = utc;
            _random = random;
            _log = log;
            _clientId = IotHubIdentity.ClientId(connection);
            _userName = IotHubIdentity.UserName(connection);
            _topic = IotHubIdentity.TelemetryTopic(connection);
            _client = new MqttClient(channel, this, clock, MaxPacketSize, TransmitBufferSize);
            TokenLifetimeSeconds = DefaultTokenLifetimeSeconds;
        }

        /// <summary>Lifetime of each SAS token; the session reconnects with a fresh one at 80% of it.</summary>
        internal int TokenLifetimeSeconds { get; set; }

        /// <summary>True while an MQTT connection to the hub is up.</summary>
        internal bool IsConnected
        {
            get
            {
                lock (_sync)
                {
                    return _connected;
                }
            }
        }

        /// <summary>Connection attempts that failed in a row (for tests and views).</summary>
        internal int FailedAttempts => _failedAttempts;

        internal void Start()
        {
            lock (_sync)
            {
                if (_running)
                {
                    return;
                }

                _running = true;
                _stop.Reset();
                _thread = new Thread(Run);
                _thread.Start();
            }
        }

        internal void Stop()
        {
            Thread thread;
            lock (_sync)
            {
                if (!_running)
                {
                    return;
                }

                _running = false;
                thread = _thread;
                _thread = null;
            }

            _stop.Set();
            _wake.Set();
            _client.Disconnect();
            thread.Join();
        }

        /// <summary>Lets the session look at the cache now rather than at its next idle wake-up.</summary>
        internal void Wake()
        {
            _wake.Set();
        }

        void IMqttClientHandler.OnMessageReceived(string topic, byte[] payload, int offset, int count)
        {
            if (_twin == null)
            {
                return;
            }

            if (TwinTopics.IsDesiredPatch(topic))
            {
                _twin.Apply(payload, offset, count, false, out _);
                _wake.Set();
                return;
            }

            int status, rid;
            if (!TwinTopics.TryParseResponse(topic, out status, out rid))
            {
                return;
            }

            bool isGet;
            bool retry = status == StatusTooManyRequests || status >= StatusServerError;
            lock (_sync)
            {
                if (rid == 0 || rid != _pendingRid)
                {
                    // The answer to a request given up on (timed out, or of an older connection).
                    return;
                }

                isGet = _pendingIsGet;
                _pendingRid = 0;
                if (retry)
                {
                    _twinRetries++;
                    _twinRetryAt = _clock.ElapsedMilliseconds + RetryDelay(_twinRetries);
                }
                else
                {
                    _twinRetries = 0;
                }
            }

            if (isGet)
            {
                if (status == StatusOk)
                {
                    _twin.Apply(payload, offset, count, true, out _);
                }

                if (!retry)
                {
                    // Another refusal would come again: go on with the configuration in force.
                    lock (_sync)
                    {
                        _twinFetched = true;
                    }
                }
            }
            else if (retry)
            {
                _twin.ReportFailed();
            }

            if (status / 100 != 2 && Logger.WarningEnabled)
            {
                _log.Write(LogLevel.Warning, "twin " + (isGet ? "GET" : "reported PATCH") + " answered " + status.ToString()
                    + (retry ? ", retrying" : ", not retried"));
            }

            _wake.Set();
        }

        void IMqttClientHandler.OnMessageTooLarge(int bytes)
        {
            // Only twin topics are subscribed: this was the twin, or a patch, far larger than
            // the device was built for. Go on with the configuration in force, and say why.
            if (_twin == null)
            {
                return;
            }

            lock (_sync)
            {
                if (_pendingRid != 0 && _pendingIsGet)
                {
                    _pendingRid = 0;
                    _twinFetched = true;
                }
            }

            _twin.RefuseTooLarge(bytes, MaxPacketSize);
            _wake.Set();
        }

        void IMqttClientHandler.OnPublishAcknowledged(ushort packetId)
        {
            lock (_sync)
            {
                if (_inFlight)
                {
                    // False when the cache already dropped it to make room: that loss is counted there.
                    if (_queue.RemoveIfOldest(_inFlightSequence))
                    {
                        _messages.AddSent(_inFlightLength);
                    }

                    _inFlight = false;
                }
            }

            _wake.Set();
        }

        void IMqttClientHandler.OnConnectionLost(Exception reason)
        {
            lock (_sync)
            {
                _connected = false;
                _inFlight = false;
            }

            if (Logger.WarningEnabled)
            {
                _log.Write(LogLevel.Warning, "IoT Hub link lost: " + reason.Message);
            }

            _engine.SetLinkState(false);
            _wake.Set();
        }

        private bool Running
        {
            get
            {
                lock (_sync)
                {
                    return _running;
                }
            }
        }

        private void Run()
        {
            while (Running)
            {
                DateTime utc;
                if (!_utc.TryGetUtcNow(out utc))
                {
                    // A SAS token needs the wall clock.
                    _wake.WaitOne(AscPortConfig.SecurityModuleSendMessageRetryTime * 1000, false);
                    continue;
                }

                if (TryConnect(utc))
                {
                    _failedAttempts = 0;
                    Pump();
                    _client.Disconnect();
                    lock (_sync)
                    {
                        _connected = false;
                        _inFlight = false;
                    }

                    _engine.SetLinkState(false);
                }
                else
                {
                    _failedAttempts++;
                    _stop.WaitOne(Backoff(_failedAttempts), false);
                }
            }
        }

        private bool TryConnect(DateTime utc)
        {
            // Renewal counts from the token's creation, on the monotonic clock.
            long renewAt = _clock.ElapsedMilliseconds + TokenLifetimeSeconds * 800L;
            long expiry = UnixSeconds(utc) + TokenLifetimeSeconds;
            string password = SasToken.Build(_connection.HostName, _connection.DeviceId, _connection.ModuleId, _connection.Key, expiry);
            try
            {
                _client.Connect(_connection.HostName, _port, _clientId, _userName, password, KeepAliveSeconds, ConnectTimeoutMilliseconds);
            }
            catch (Exception e)
            {
                // One line per attempt; the message never holds the key or the token.
                if (Logger.ErrorEnabled)
                {
                    _log.Write(LogLevel.Error, "IoT Hub connect to " + _connection.HostName + " failed: " + e.Message);
                }

                LastError = e.Message;
                return false;
            }

            if (_twin != null && !SubscribeToTwin())
            {
                _client.Disconnect();
                return false;
            }

            lock (_sync)
            {
                _connected = true;
                _renewAt = renewAt;
                _pendingRid = 0;
                _twinFetched = false;
                _twinRetryAt = 0;
                _twinRetries = 0;
            }

            LastError = null;
            _engine.SetLinkState(true);
            return true;
        }

        private long RenewAt
        {
            get
            {
                lock (_sync)
                {
                    return _renewAt;
                }
            }
        }

        /// <summary>Why the last connection attempt failed, or null after a success.</summary>
        internal string LastError { get; private set; }

        private void Pump()
        {
            while (Running && IsConnected)
            {
                if (_clock.ElapsedMilliseconds >= RenewAt)
                {
                    return;
                }

                if (_twin != null)
                {
                    ServiceTwin();
                }

                PublishOldest();
                _wake.WaitOne(IdleWaitMilliseconds, false);
            }
        }

        private bool SubscribeToTwin()
        {
            try
            {
                _client.Subscribe(TwinTopics.ResponseFilter, 0, SubscribeTimeoutMilliseconds);
                _client.Subscribe(TwinTopics.DesiredFilter, 0, SubscribeTimeoutMilliseconds);
                return true;
            }
            catch (Exception e)
            {
                if (Logger.ErrorEnabled)
                {
                    _log.Write(LogLevel.Error, "IoT Hub twin subscription failed: " + e.Message);
                }

                LastError = e.Message;
                return false;
            }
        }

        /// <summary>Sends the twin request due, if any: the GET of this connection first, then a report.</summary>
        private void ServiceTwin()
        {
            long now = _clock.ElapsedMilliseconds;
            int rid;
            bool isGet;
            lock (_sync)
            {
                if (!_connected)
                {
                    return;
                }

                if (_pendingRid != 0)
                {
                    if (now - _pendingSince < TwinRequestTimeoutMilliseconds)
                    {
                        return;
                    }

                    // Unanswered: ask again.
                    if (!_pendingIsGet)
                    {
                        _twin.ReportFailed();
                    }

                    _pendingRid = 0;
                }

                if (now < _twinRetryAt || (_twinFetched && !_twin.ReportPending))
                {
                    return;
                }

                isGet = !_twinFetched;
                _lastRid = _lastRid == int.MaxValue ? 1 : _lastRid + 1;
                rid = _lastRid;
                _pendingRid = rid;
                _pendingIsGet = isGet;
                _pendingSince = now;
            }

            try
            {
                if (isGet)
                {
                    _client.Publish(TwinTopics.Get(rid), _report.Buffer, 0, 0, 0);
                }
                else if (_twin.TakeReport(_report))
                {
                    _client.Publish(TwinTopics.ReportedPatch(rid), _report.Buffer, 0, _report.Length, 0);
                }
                else
                {
                    // Cannot happen: the buffer holds the longest document (ReportedPropertiesWriter.MaxLength).
                    lock (_sync)
                    {
                        _pendingRid = 0;
                    }
                }
            }
            catch (Exception)
            {
                // The client reports the lost link through OnConnectionLost; the next connection asks again.
                if (!isGet)
                {
                    _twin.ReportFailed();
                }

                lock (_sync)
                {
                    _pendingRid = 0;
                }
            }
        }

        private void PublishOldest()
        {
            lock (_sync)
            {
                if (_inFlight || !_connected)
                {
                    return;
                }
            }

            try
            {
                _client.PublishFrom(_topic, this);
            }
            catch (Exception)
            {
                // The client reports the lost link through OnConnectionLost; the message stays cached.
                lock (_sync)
                {
                    _inFlight = false;
                }
            }
        }

        int IMqttPayloadSource.CopyPayload(byte[] destination, int offset, int capacity)
        {
            uint sequence;
            int length = _queue.CopyOldest(destination, offset, capacity, out sequence);
            if (length > 0)
            {
                // In flight before the client sends it: the PUBACK may come before PublishFrom returns.
                lock (_sync)
                {
                    _inFlight = true;
                    _inFlightSequence = sequence;
                    _inFlightLength = length;
                }
            }

            return length;
        }

        /// <summary>1 s, doubling up to 60 s, without jitter (called on the reader thread, which has no randomness of its own).</summary>
        private static int RetryDelay(int attempt)
        {
            int delay = FirstBackoffMilliseconds;
            for (int i = 1; i < attempt && delay < MaxBackoffMilliseconds; i++)
            {
                delay *= 2;
            }

            return delay > MaxBackoffMilliseconds ? MaxBackoffMilliseconds : delay;
        }

        private int Backoff(int attempt)
        {
            int delay = RetryDelay(attempt);

            // Jitter in [delay/2, delay): devices that lost the hub together do not return together.
            return delay / 2 + _random.Next(delay / 2);
        }

        private static long UnixSeconds(DateTime utc)
        {
            // DateTime.ToUnixTimeSeconds is nanoFramework-only; .NET has it on DateTimeOffset.
            const long UnixEpochTicks = 621355968000000000;
            return (utc.Ticks - UnixEpochTicks) / TimeSpan.TicksPerSecond;
        }
    }
}
