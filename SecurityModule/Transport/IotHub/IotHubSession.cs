using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// Keeps the module connected to IoT Hub and delivers the offline cache in order.
    /// </summary>
    /// <remarks>
    /// Connect (<see cref="IotHubConnection"/>: SAS token from the device key, valid for
    /// <see cref="TokenLifetimeSeconds"/>), then deliver the cache (<see cref="SecurityMessagePump"/>)
    /// and the twin's requests (<see cref="TwinExchange"/>) until the link drops or the token is
    /// due for renewal, at 80% of its lifetime. A publish without a PUBACK in time ends the
    /// connection, and the message goes again, first, on the next one. A refused connection, a
    /// wrong key and a link that drops soon after it came up are retried after
    /// <see cref="ReconnectBackoff"/>.
    /// <para>Threads. The session thread (<see cref="Run"/>) owns the connection: it connects,
    /// subscribes, sends the twin requests and the cache, waits out the backoff, and alone
    /// touches <c>_backoff</c>. The client's reader thread calls the
    /// <see cref="IMqttClientHandler"/> methods: acknowledgments, twin answers and patches, a lost
    /// link; each part keeps what that thread shares with the session thread under its own lock.
    /// Application threads call Start, Drain, Stop and Wake; <c>_running</c> and <c>_thread</c> are
    /// under <c>_sync</c>. Only Stop cuts the backoff short: Wake, called after every engine tick,
    /// only hurries the pump.</para>
    /// </remarks>
    internal sealed class IotHubSession : IMqttClientHandler
    {
        internal const int DefaultPort = 8883;
        internal const int DefaultTokenLifetimeSeconds = 3600;
        private const int IdleWaitMilliseconds = 500;
        private const int DrainPollMilliseconds = 100;

        // Room for the PUBLISH header and topic around a message body.
        private const int PacketOverhead = 1024;

        // Largest packet sent or received: a twin document up to about ASC_MAX_MESSAGE_SIZE fits
        // (Microsoft's whole default configuration with its reported echo is about 3 KB).
        private const int MaxPacketSize = AscPortConfig.MaxMessageSize + PacketOverhead;

        // Everything but the telemetry (QoS 1, from the publish buffer) is small: CONNECT with its
        // SAS token, SUBSCRIBE, and the twin requests, the largest a reported-properties patch.
        private const int TransmitBufferSize = ReportedPropertiesWriter.MaxLength + PacketOverhead;

        private readonly OutboundQueue _queue;
        private readonly MqttClient _client;
        private readonly IotHubConnection _connection;
        private readonly SecurityMessagePump _pump;
        private readonly TwinExchange _twinExchange;
        private readonly CollectionEngine _engine;
        private readonly IMonotonicClock _clock;
        private readonly IUtcClock _utc;
        private readonly Logger _log;
        private readonly ReconnectBackoff _backoff;
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);
        private readonly AutoResetEvent _delivered = new AutoResetEvent(false);
        private readonly ManualResetEvent _stop = new ManualResetEvent(false);
        private readonly object _sync = new object();

        private Thread _thread;
        private bool _running;
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
            _queue = queue;
            _engine = engine;
            _clock = clock;
            _utc = utc;
            _backoff = new ReconnectBackoff(random);
            _log = log;
            _client = new MqttClient(channel, this, clock, MaxPacketSize, TransmitBufferSize);
            _client.Log = log;
            TwinRequests twinRequests = new TwinRequests();
            _connection = new IotHubConnection(connection, port, _client, clock, log, twin != null, twinRequests);
            _pump = new SecurityMessagePump(_client, _connection, queue, messages, IotHubIdentity.TelemetryTopic(connection));
            _twinExchange = twin != null ? new TwinExchange(_client, twin, twinRequests, clock, log, _wake, MaxPacketSize) : null;
            TokenLifetimeSeconds = DefaultTokenLifetimeSeconds;
        }

        /// <summary>Lifetime of each SAS token; the session reconnects with a fresh one at 80% of it.</summary>
        internal int TokenLifetimeSeconds
        {
            get { return _connection.TokenLifetimeSeconds; }
            set { _connection.TokenLifetimeSeconds = value; }
        }

        /// <summary>True while an MQTT connection to the hub is up.</summary>
        internal bool IsConnected => _connection.IsConnected;

        /// <summary>Connection attempts that failed since the last connection that stayed up (for tests and views).</summary>
        internal int FailedAttempts => _backoff.Failures;

        /// <summary>Exceptions from a port (clock, random, channel) that the session thread contained.</summary>
        internal int Faults => Interlocked.CompareExchange(ref _faults, 0, 0);

        /// <summary>Why the last connection attempt failed, or null after a success.</summary>
        internal string LastError => _connection.LastError;

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
            if (_twinExchange != null)
            {
                _twinExchange.Received(topic, payload, offset, count);
            }
        }

        void IMqttClientHandler.OnMessageTooLarge(int bytes)
        {
            if (_twinExchange != null)
            {
                _twinExchange.TooLarge(bytes);
            }
        }

        void IMqttClientHandler.OnPublishAcknowledged(ushort packetId)
        {
            _pump.Acknowledged();
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

                    _connection.LastError = e.Message;
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

            if (!_connection.TryConnect(utc))
            {
                return _backoff.Failed();
            }

            _engine.SetLinkState(true);
            _backoff.Connected(_clock.ElapsedMilliseconds);
            Pump();
            CloseConnection();
            if (!Running)
            {
                // Ended by Stop, not by the link: no failure to count, no attempt to announce.
                return 0;
            }

            return _backoff.Ended(_clock.ElapsedMilliseconds) ? 0 : _backoff.Failed();
        }

        private void Pump()
        {
            while (Running && _connection.MayGoOn)
            {
                if (_twinExchange != null)
                {
                    _twinExchange.Service();
                }

                _pump.PublishOldest();
                _wake.WaitOne(IdleWaitMilliseconds, false);
            }
        }

        private void CloseConnection()
        {
            _client.Disconnect();
            MarkDisconnected();
        }

        // The link state first: the pump must not publish into the link being marked down.
        private void MarkDisconnected()
        {
            _connection.MarkDisconnected();
            _pump.LinkEnded();
            _engine.SetLinkState(false);
        }
    }
}
