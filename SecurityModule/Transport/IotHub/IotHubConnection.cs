using System;

namespace NanoSecurity
{
    /// <summary>
    /// One MQTT connection of an <see cref="IotHubSession"/> at a time: connects with a fresh SAS
    /// token, subscribes to the twin topics, and says whether the link is up and may go on
    /// (the token is renewed by reconnecting at 80% of its lifetime).
    /// </summary>
    /// <remarks>
    /// The session thread connects (<see cref="TryConnect"/>) and closes; the client's reader
    /// thread marks a lost link (<see cref="MarkDisconnected"/>); any thread reads
    /// <see cref="IsConnected"/>. The link state and the renewal time are under <c>_sync</c>, which
    /// is taken before the client's own lock, never after it. <see cref="LastError"/> and
    /// <see cref="TokenLifetimeSeconds"/> are written by the session thread alone.
    /// </remarks>
    internal sealed class IotHubConnection
    {
        private const int KeepAliveSeconds = 60;
        private const int ConnectTimeoutMilliseconds = 30 * 1000;
        private const int SubscribeTimeoutMilliseconds = 30 * 1000;

        private readonly IotHubConnectionString _connection;
        private readonly int _port;
        private readonly MqttClient _client;
        private readonly IMonotonicClock _clock;
        private readonly Logger _log;
        private readonly string _clientId;
        private readonly string _userName;
        private readonly bool _subscribeTwin;
        private readonly TwinRequests _twinRequests;
        private readonly object _sync = new object();

        private bool _connected;
        private long _renewAt;

        /// <summary>Creates the connection's side of a session; nothing is sent until <see cref="TryConnect"/>.</summary>
        /// <param name="connection">The device or module identity and key.</param>
        /// <param name="port">The hub's MQTT port.</param>
        /// <param name="client">The session's MQTT client.</param>
        /// <param name="clock">Clock of the token's renewal.</param>
        /// <param name="log">Where failed attempts are logged.</param>
        /// <param name="subscribeTwin">True to subscribe to the twin's answers and desired patches on every connection.</param>
        /// <param name="twinRequests">The twin requests, forgotten on every connection.</param>
        internal IotHubConnection(IotHubConnectionString connection, int port, MqttClient client, IMonotonicClock clock, Logger log, bool subscribeTwin, TwinRequests twinRequests)
        {
            _connection = connection;
            _port = port;
            _client = client;
            _clock = clock;
            _log = log;
            _subscribeTwin = subscribeTwin;
            _twinRequests = twinRequests;
            _clientId = IotHubIdentity.ClientId(connection);
            _userName = IotHubIdentity.UserName(connection);
        }

        /// <summary>Lifetime of each SAS token.</summary>
        internal int TokenLifetimeSeconds { get; set; }

        /// <summary>Why the last connection attempt failed, or null after a success.</summary>
        internal string LastError { get; set; }

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

        /// <summary>True while the link is up and its token is not yet due for renewal.</summary>
        internal bool MayGoOn
        {
            get
            {
                lock (_sync)
                {
                    return _connected && _clock.ElapsedMilliseconds < _renewAt && _client.IsConnected;
                }
            }
        }

        /// <summary>Connects and subscribes; a failure is logged and kept in <see cref="LastError"/>.</summary>
        /// <param name="utc">Now, for the token's expiry.</param>
        /// <returns>True when the link is up.</returns>
        internal bool TryConnect(DateTime utc)
        {
            // Renewal counts from the token's creation, on the monotonic clock.
            long renewAt = _clock.ElapsedMilliseconds + TokenLifetimeSeconds * 800L;
            long expiry = UnixSeconds(utc) + TokenLifetimeSeconds;
            try
            {
                string password = SasToken.Build(_connection.HostName, _connection.DeviceId, _connection.ModuleId, _connection.Key, expiry);
                _client.Connect(_connection.HostName, _port, _clientId, _userName, password, KeepAliveSeconds, ConnectTimeoutMilliseconds);
                if (_subscribeTwin)
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
            return true;
        }

        /// <summary>Marks the link down; the client has ended it, or is about to.</summary>
        internal void MarkDisconnected()
        {
            lock (_sync)
            {
                _connected = false;
            }
        }

        private static long UnixSeconds(DateTime utc)
        {
            // DateTime.ToUnixTimeSeconds is nanoFramework-only; .NET has it on DateTimeOffset.
            const long UnixEpochTicks = 621355968000000000;
            return (utc.Ticks - UnixEpochTicks) / TimeSpan.TicksPerSecond;
        }
    }
}
