namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>Keeps every callback of the client, in order, and lets a test wait for one.</summary>
    internal sealed class RecordingHandler : IMqttClientHandler
    {
        private readonly object _gate = new object();
        private readonly List<(string Topic, byte[] Payload)> _messages = new List<(string, byte[])>();
        private readonly List<ushort> _acknowledged = new List<ushort>();
        private readonly List<Exception> _lost = new List<Exception>();
        private readonly List<int> _tooLarge = new List<int>();
        private readonly List<long> _lostAt = new List<long>();
        private readonly IMonotonicClock _clock;

        internal RecordingHandler(IMonotonicClock clock = null)
        {
            _clock = clock;
        }

        /// <summary>Runs inside OnMessageReceived, on the reader thread, when set.</summary>
        internal Action<string> OnMessage { get; set; }

        /// <summary>Runs inside OnConnectionLost, on the reader thread, after the loss is recorded.</summary>
        internal Action<Exception> OnLost { get; set; }

        internal List<(string Topic, byte[] Payload)> Messages => Snapshot(_messages);

        internal List<ushort> Acknowledged => Snapshot(_acknowledged);

        internal List<Exception> Lost => Snapshot(_lost);

        /// <summary>Sizes of the publishes skipped as too large.</summary>
        internal List<int> TooLarge => Snapshot(_tooLarge);

        /// <summary>Clock time of each OnConnectionLost.</summary>
        internal List<long> LostAt => Snapshot(_lostAt);

        public void OnMessageReceived(string topic, byte[] payload, int offset, int count)
        {
            OnMessage?.Invoke(topic);
            lock (_gate)
            {
                _messages.Add((topic, payload.AsSpan(offset, count).ToArray()));
                Monitor.PulseAll(_gate);
            }
        }

        public void OnMessageTooLarge(int bytes)
        {
            lock (_gate)
            {
                _tooLarge.Add(bytes);
                Monitor.PulseAll(_gate);
            }
        }

        public void OnPublishAcknowledged(ushort packetId)
        {
            lock (_gate)
            {
                _acknowledged.Add(packetId);
                Monitor.PulseAll(_gate);
            }
        }

        public void OnConnectionLost(Exception reason)
        {
            lock (_gate)
            {
                _lost.Add(reason);
                _lostAt.Add(_clock == null ? 0 : _clock.ElapsedMilliseconds);
                Monitor.PulseAll(_gate);
            }

            OnLost?.Invoke(reason);
        }

        /// <summary>Waits (real time) until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
        internal void WaitUntil(Func<RecordingHandler, bool> condition, string what, double seconds = 10)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(seconds);
            lock (_gate)
            {
                while (!condition(this))
                {
                    TimeSpan left = end - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        throw new TimeoutException("waited " + seconds + " s for " + what);
                    }

                    // Also wakes on its own: some conditions depend on state outside this handler.
                    Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(20) ? left : TimeSpan.FromMilliseconds(20));
                }
            }
        }

        private List<T> Snapshot<T>(List<T> list)
        {
            lock (_gate)
            {
                return list.ToList();
            }
        }
    }
}
