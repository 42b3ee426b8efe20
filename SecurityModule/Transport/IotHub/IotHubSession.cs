using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// Keeps the module connected to IoT Hub and delivers the offline cache in order.
    /// </summary>
    /// <remarks>
    /// Connect (SAS token from the device key, valid for <see cref="TokenLifetimeSeconds"/>),
    /// then publish the oldest cached message at QoS 1 (copied from the cache straight into the
    /// MQTT client's packet) and remove it from the cache only when its PUBACK arrives, one at
    /// a time so that order is kept across reconnects. A publish without a PUBACK in time ends
    /// the connection, and the message goes again, first, on the next one. A refused
    /// connection, a wrong key and a link that drops soon after it came up are retried after
    /// <see cref="ReconnectBackoff"/>; the token is renewed by reconnecting at 80% of its lifetime.
    /// <para>Twin: on every connection the session subscribes to the twin's answers and desired
    /// patches, GETs the whole twin, and once that is answered reports the configuration in
    /// force whenever it has not been reported (see <see cref="TwinRequests"/>). A 400 to a
    /// report is logged and not repeated (the hub would refuse it again).</para>
    /// <para>Threads. The session thread (<see cref="Run"/>) owns the connection: it connects,
    /// subscribes, sends the twin requests and the cache, waits out the backoff, and alone
    /// touches <c>_backoff</c>. The client's reader thread calls the
    /// <see cref="IMqttClientHandler"/> methods: acknowledgments, twin answers and patches, a lost
    /// link. Application threads call Start, Drain, Stop and Wake. What more than one of them
    /// touches (the link state, the message in flight, the renewal time) is under <c>_sync</c>.
    /// Only Stop cuts the backoff short: Wake, called after every engine tick, only hurries
    /// the pump.</para>
    /// </remarks>
    internal sealed class IotHubSession : IMqttClientHandler, IMqttPayloadSource
    {
        internal const int DefaultPort = 8883;
        internal const int DefaultTokenLifetimeSeconds = 3600;
        private const int KeepAliveSeconds = 60;
        private const int ConnectTimeoutMilliseconds = 30 * 1000;
        private const int IdleWaitMilliseconds = 500;
        private const int DrainPollMilliseconds = 100;
        private const int SubscribeTimeoutMilliseconds = 30 * 1000;
        private const int StatusOk = 200;

        // Room for the PUBLISH header and topic around a message body.
        private const int PacketOverhead = 1024;

        // Largest packet sent or received: a twin document up to about ASC_MAX_MESSAGE_SIZE fits
        // (Microsoft's whole default configuration with its reported echo is about 3 KB).
        private const int MaxPacketSize = AscPortConfig.MaxMessageSize + PacketOverhead;

        // Everything but the telemetry (QoS 1, from the publish buffer) is small: CONNECT with its
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
        private readonly Logger _log;
        private readonly string _clientId;
        private readonly string _userName;
        private readonly string _topic;
        private readonly ReconnectBackoff _backoff;
        private readonly TwinRequests _twinRequests = new TwinRequests();
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);
        private readonly AutoResetEvent _delivered = new AutoResetEvent(false);
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
        private long _renewAt;
        private int _faults;

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
            _backoff = new ReconnectBackoff(random);
            _log = log;
            _clientId = IotHubIdentity.ClientId(connection);
            _userName = IotHubIdentity.UserName(connection);
            _topic = IotHubIdentity.TelemetryTopic(connection);
            _client = new MqttClient(channel, this, clock, MaxPacketSize, TransmitBufferSize);
            _client.Log = log;
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

        /// <summary>Connection attempts that failed since the last connection that stayed up (for tests and views).</summary>
        internal int FailedAttempts => _backoff.Failures;

        /// <summary>Exceptions from a port (clock, random, channel) that the session thread contained.</summary>
        internal int Faults => Interlocked.CompareExchange(ref _faults, 0, 0);

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

        /// <summary>
        /// Waits until every cached message is acknowledged, the session stops, or about
        /// <paramref name="timeoutMilliseconds"/> have passed; the session goes on connecting meanwhile.
        /// </summary>
        /// <returns>True when the cache is empty.</returns>
        internal bool Drain(int timeoutMilliseconds)
        {
            // Bounded twice: by the clock, and by the idle polls, for a clock that does not move.
            long deadline = _clock.ElapsedMilliseconds + timeoutMilliseconds;
            int idlePolls = timeoutMilliseconds / DrainPollMilliseconds;
            _wake.Set();
            while (_queue.Count > 0)
            {
                if (!Running || idlePolls <= 0 || _clock.ElapsedMilliseconds >= deadline)
                {
                    return false;
                }

                if (!_delivered.WaitOne(DrainPollMilliseconds, false))
                {
                    idlePolls--;
                }
            }

            return true;
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
            bool isGet;
            if (!TwinTopics.TryParseResponse(topic, out status, out rid) || !_twinRequests.Match(rid, out isGet))
            {
                // Not a twin answer, or the answer to a request given up on (timed out, or of an older connection).
                return;
            }

            bool retry = TwinRequests.IsRetried(status);
            if (isGet && status == StatusOk)
            {
                _twin.Apply(payload, offset, count, true, out _);
            }
            else if (!isGet && retry)
            {
                _twin.ReportFailed();
            }

            // Outstanding until applied: the session thread sends no second GET meanwhile.
            _twinRequests.Complete(rid, status, _clock.ElapsedMilliseconds);
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

            _twinRequests.GiveUpGet();
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

            _delivered.Set();
            _wake.Set();
        }

        void IMqttClientHandler.OnConnectionLost(Exception reason)
        {
            // The client has logged why.
            MarkDisconnected();
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
                int wait;
                int failures = _backoff.Failures;
                try
                {
                    wait = RunConnection();
                }
                catch (Exception e)
                {
                    // A port that throws (clock, random, channel) must not end the thread while
                    // the module says it is running: count it, drop the link, back off, go on.
                    Interlocked.Increment(ref _faults);
                    if (Logger.ErrorEnabled)
                    {
                        _log.Write(LogLevel.Error, "IoT Hub session fault: " + e.Message);
                    }

                    LastError = e.Message;
                    CloseConnection();
                    wait = _backoff.Failed();
                }

                if (Logger.WarningEnabled && _backoff.Failures > failures)
                {
                    // One line per failed attempt, so that a refused link shows its schedule.
                    _log.Write(
                        LogLevel.Warning,
                        "IoT Hub: next connection attempt in " + wait.ToString() + " ms (" + _backoff.Failures.ToString()
                            + " failed in a row, drawn from 0 to " + ReconnectBackoff.Ceiling(_backoff.Failures).ToString() + " ms)");
                }

                if (wait > 0)
                {
                    _stop.WaitOne(wait, false);
                }
            }
        }

        /// <summary>One connection, from its attempt to its end.</summary>
        /// <returns>Milliseconds to wait before the next attempt.</returns>
        private int RunConnection()
        {
            DateTime utc;
            if (!_utc.TryGetUtcNow(out utc))
            {
                // A SAS token needs the wall clock.
                return AscPortConfig.SecurityModuleSendMessageRetryTime * 1000;
            }

            if (!TryConnect(utc))
            {
                return _backoff.Failed();
            }

            _backoff.Connected(_clock.ElapsedMilliseconds);
            Pump();
            CloseConnection();
            return _backoff.Ended(_clock.ElapsedMilliseconds) ? 0 : _backoff.Failed();
        }

        private bool TryConnect(DateTime utc)
        {
            // Renewal counts from the token's creation, on the monotonic clock.
            long renewAt = _clock.ElapsedMilliseconds + TokenLifetimeSeconds * 800L;
            long expiry = UnixSeconds(utc) + TokenLifetimeSeconds;
            try
            {
                string password = SasToken.Build(_connection.HostName, _connection.DeviceId, _connection.ModuleId, _connection.Key, expiry);
                _client.Connect(_connection.HostName, _port, _clientId, _userName, password, KeepAliveSeconds, ConnectTimeoutMilliseconds);
                if (_twin != null)
                {
                    _client.Subscribe(TwinTopics.ResponseFilter, 0, SubscribeTimeoutMilliseconds);
                    _client.Subscribe(TwinTopics.DesiredFilter, 0, SubscribeTimeoutMilliseconds);
                }
            }
            catch (Exception e)
            {
                // One line per attempt; the message never holds the key or the token.
                if (Logger.ErrorEnabled)
                {
                    _log.Write(LogLevel.Error, "IoT Hub connect to " + _connection.HostName + " failed: " + e.Message);
                }

                LastError = e.Message;
                _client.Disconnect();
                return false;
            }

            _twinRequests.Reset();
            lock (_sync)
            {
                // The reader may have lost the link since the last SUBACK. Its OnConnectionLost
                // has then run or is waiting for this lock: either way the link must not be
                // taken as up, or the session would stay "connected" to a dead client.
                if (!_client.IsConnected)
                {
                    LastError = "the link was lost right after it was set up";
                    return false;
                }

                _connected = true;
                _renewAt = renewAt;
            }

            LastError = null;
            _engine.SetLinkState(true);
            return true;
        }

        /// <summary>Why the last connection attempt failed, or null after a success.</summary>
        internal string LastError { get; private set; }

        private bool PumpMayGoOn
        {
            get
            {
                lock (_sync)
                {
                    return _running && _connected && _clock.ElapsedMilliseconds < _renewAt && _client.IsConnected;
                }
            }
        }

        private void Pump()
        {
            while (PumpMayGoOn)
            {
                if (_twin != null)
                {
                    ServiceTwin();
                }

                PublishOldest();
                _wake.WaitOne(IdleWaitMilliseconds, false);
            }
        }

        private void CloseConnection()
        {
            _client.Disconnect();
            MarkDisconnected();
        }

        private void MarkDisconnected()
        {
            lock (_sync)
            {
                _connected = false;
                _inFlight = false;
            }

            _engine.SetLinkState(false);
        }

        /// <summary>Sends the twin request due, if any: the GET of this connection first, then a report.</summary>
        private void ServiceTwin()
        {
            bool isGet, reportTimedOut;
            int rid = _twinRequests.Next(_clock.ElapsedMilliseconds, _twin.ReportPending, out isGet, out reportTimedOut);
            if (reportTimedOut)
            {
                _twin.ReportFailed();
            }

            if (rid == 0)
            {
                return;
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
                    _twinRequests.Cancel(rid);
                }
            }
            catch (Exception)
            {
                // The client reports the lost link through OnConnectionLost; the next connection asks again.
                if (!isGet)
                {
                    _twin.ReportFailed();
                }

                _twinRequests.Cancel(rid);
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

        private static long UnixSeconds(DateTime utc)
        {
            // DateTime.ToUnixTimeSeconds is nanoFramework-only; .NET has it on DateTimeOffset.
            const long UnixEpochTicks = 621355968000000000;
            return (utc.Ticks - UnixEpochTicks) / TimeSpan.TicksPerSecond;
        }
    }
}
