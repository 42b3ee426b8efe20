using System;

namespace NanoSecurity
{
    /// <summary>
    /// The module's state machine and collection scheduler, driven by <see cref="Tick"/>.
    /// </summary>
    /// <remarks>
    /// States as in ThreadX: Pending (collecting, not connected) → Active (link up and a
    /// valid UTC time) → Pending (link down) → Suspended (link down for longer than
    /// ASC_SECURITY_MODULE_PENDING_TIME: collection stops, capture is a no-op) → Active
    /// (link back). Unlike ThreadX, the module starts without a valid wall clock: scheduling
    /// runs on the monotonic clock, and a collection that falls due before UTC is known
    /// waits for it (flows keep aggregating meanwhile), so nothing is timestamped wrongly.
    /// The first collection comes at a random time in [FIRST, 2×FIRST) seconds so that a
    /// fleet booting together does not report together; all groups align on it.
    /// <para>Sending follows the agent configuration (the twin, or asc_port.config's defaults):
    /// events wait in one open message, which goes out when it is full or when the frequency of
    /// the most urgent event in it has passed since that event was queued
    /// (<c>highPriorityMessageFrequency</c> for High events, <c>lowPriorityMessageFrequency</c>
    /// for Low). A message that fills goes out at once, with everything queued before; what did
    /// not fit opens the next message, whose deadline counts from the collection that wrote it.
    /// A collector whose event type is Off does not run; snapshots (SystemInformation,
    /// ListeningPorts) run once every <c>snapshotFrequency</c>; the heartbeat only runs while
    /// nothing is queued, so a message carries at most one. A frequency of 0 sends at the end
    /// of the collection that queued the event, which is ThreadX's cadence.</para>
    /// </remarks>
    internal sealed class CollectionEngine
    {
        private const int GroupCount = 3;
        private const long Second = 1000;
        private const long PendingTime = AscPortConfig.SecurityModulePendingTime * Second;
        private const long RetryTime = AscPortConfig.SecurityModuleSendMessageRetryTime * Second;
        private const long FirstCollection = AscPortConfig.FirstCollectionInterval * Second;

        private readonly object _sync = new object();
        private readonly Collector[] _collectors;
        private readonly Collector _afterEveryCollection;
        private readonly SecurityMessageWriter _writer;
        private readonly IMonotonicClock _monotonic;
        private readonly IUtcClock _utc;
        private readonly IRandomSource _random;
        private readonly Logger _log;
        private readonly long[] _intervals =
        {
            AscPortConfig.HighPriorityInterval * Second,
            AscPortConfig.MediumPriorityInterval * Second,
            AscPortConfig.LowPriorityInterval * Second,
        };

        private readonly long[] _nextDue = new long[GroupCount];
        private readonly bool[] _due = new bool[GroupCount];
        private readonly AgentConfiguration _configuration = new AgentConfiguration();
#if ASC_DETECTIONS_ENABLED
        private EdgeDetector _detector;
        private DetectionCollector _detections;
#endif

        // When the oldest High and Low events of the open message were queued; -1 for none.
        private long _highQueuedAt = -1;
        private long _lowQueuedAt = -1;
        private SecurityModuleState _state;
        private long _stateSince;
        private bool _linkUp;

        /// <summary>Wires the engine; <paramref name="collectors"/> are in the order their events
        /// should appear (by priority, High first), and <paramref name="afterEveryCollection"/> runs
        /// at the end of every collection (DroppedEventsStatistics).</summary>
        internal CollectionEngine(
            Collector[] collectors,
            Collector afterEveryCollection,
            SecurityMessageWriter writer,
            IMonotonicClock monotonic,
            IUtcClock utc,
            IRandomSource random,
            Logger log)
        {
            _collectors = collectors;
            _afterEveryCollection = afterEveryCollection;
            _writer = writer;
            _monotonic = monotonic;
            _utc = utc;
            _random = random;
            _log = log;
            Configure(AgentConfiguration.Defaults());
        }

#if ASC_DETECTIONS_ENABLED
        /// <summary>
        /// Sends detections at once: a tick that finds one waiting runs the collectors that go
        /// with it (the detections, the network activity that raised them) whatever is due,
        /// and every message holding a detection is sent at the end of the tick, whatever the
        /// frequencies. <paramref name="collector"/> must also be among the engine's collectors.
        /// </summary>
        internal void UseDetections(EdgeDetector detector, DetectionCollector collector)
        {
            lock (_sync)
            {
                _detector = detector;
                _detections = collector;
            }
        }

#endif
        /// <summary>
        /// Puts a configuration in force: cadence, priorities, snapshots, aggregation and message
        /// size (a change of size first sends the open message). The sizes must already be
        /// clamped to what was compiled in, as the twin parser does.
        /// </summary>
        /// <param name="configuration">Copied.</param>
        internal void Configure(AgentConfiguration configuration)
        {
            lock (_sync)
            {
                _configuration.CopyFrom(configuration);
                if (_writer.MaxMessageSize != configuration.MaxMessageSizeInBytes)
                {
                    FlushOpenMessage();
                    _writer.MaxMessageSize = configuration.MaxMessageSizeInBytes;
                }

                for (int i = 0; i < _collectors.Length; i++)
                {
                    _collectors[i].Configure(_configuration);
                }

                _afterEveryCollection.Configure(_configuration);
            }
        }

        /// <summary>Copies the configuration in force into <paramref name="target"/>.</summary>
        internal void CopyConfiguration(AgentConfiguration target)
        {
            lock (_sync)
            {
                target.CopyFrom(_configuration);
            }
        }

        /// <summary>Monotonic time, in ms, when the open message goes out unless it fills first; long.MaxValue when it is empty.</summary>
        internal long SendDue
        {
            get
            {
                lock (_sync)
                {
                    return FlushDeadline();
                }
            }
        }

        internal SecurityModuleState State
        {
            get
            {
                lock (_sync)
                {
                    return _state;
                }
            }
        }

        /// <summary>Monotonic time, in ms, when the given group next falls due.</summary>
        internal long NextDue(CollectorPriority group)
        {
            lock (_sync)
            {
                return _nextDue[(int)group];
            }
        }

        /// <summary>Collectors, in the order they run; the last one runs after every collection.</summary>
        internal int CollectorCount => _collectors.Length + 1;

        /// <summary>Name of collector <paramref name="index"/> (see <see cref="CollectorCount"/>).</summary>
        internal string CollectorName(int index)
        {
            return CollectorAt(index).Name;
        }

        /// <summary>Monotonic time, in ms, when collector <paramref name="index"/> last ran; -1 if never.</summary>
        internal long CollectorLastRun(int index)
        {
            lock (_sync)
            {
                return CollectorAt(index).LastRun;
            }
        }

        /// <summary>Monotonic time, in ms, when collector <paramref name="index"/> is next due; -1 when not started.</summary>
        internal long CollectorNextDue(int index)
        {
            Collector collector = CollectorAt(index);
            lock (_sync)
            {
                if (_state == SecurityModuleState.NotInitialized)
                {
                    return -1;
                }

                if (collector != _afterEveryCollection)
                {
                    return _nextDue[(int)collector.Priority];
                }

                long next = long.MaxValue;
                for (int g = 0; g < GroupCount; g++)
                {
                    if (_nextDue[g] < next)
                    {
                        next = _nextDue[g];
                    }
                }

                return next;
            }
        }

        private Collector CollectorAt(int index)
        {
            if (index < 0 || index > _collectors.Length)
            {
                throw new ArgumentOutOfRangeException();
            }

            return index == _collectors.Length ? _afterEveryCollection : _collectors[index];
        }

        internal void Start()
        {
            lock (_sync)
            {
                if (_state != SecurityModuleState.NotInitialized)
                {
                    throw new InvalidOperationException();
                }

                // After a Stop the collectors are suspended (the flow caches do not record).
                ResumeCollectors();
                long now = _monotonic.ElapsedMilliseconds;
                ScheduleFirstCollection(now);
                Enter(SecurityModuleState.Pending, now);
                Update(now);
            }
        }

        internal void Stop()
        {
            lock (_sync)
            {
                if (_state == SecurityModuleState.NotInitialized)
                {
                    return;
                }

                long now = _monotonic.ElapsedMilliseconds;
#if ASC_DETECTIONS_ENABLED
                // A detection raised just before Stop still leaves, with its flow, before the caches are emptied.
                if (_detections != null && _state != SecurityModuleState.Suspended)
                {
                    SendDetections(now);
                }
#endif
                SuspendCollectors();
                FlushOpenMessage();
                Enter(SecurityModuleState.NotInitialized, now);
            }
        }

        /// <summary>The transport says whether a link to the hub is up.</summary>
        internal void SetLinkState(bool up)
        {
            lock (_sync)
            {
                _linkUp = up;
                Update(_monotonic.ElapsedMilliseconds);
            }
        }

        /// <summary>Runs whatever is due.</summary>
        /// <returns>Milliseconds until the next call is useful; -1 when stopped.</returns>
        internal long Tick()
        {
            lock (_sync)
            {
                long now = _monotonic.ElapsedMilliseconds;
                Update(now);
                switch (_state)
                {
                    case SecurityModuleState.NotInitialized:
                        return -1;
                    case SecurityModuleState.Suspended:
                        return RetryTime;
                }

                bool waitingForTime = !Collect(now);
#if ASC_DETECTIONS_ENABLED
                if (_detections != null)
                {
                    waitingForTime |= !SendDetections(now);
                }
#endif
                if (now >= FlushDeadline())
                {
                    FlushOpenMessage();
                }

                long next = FlushDeadline();
                for (int g = 0; g < GroupCount; g++)
                {
                    if (_nextDue[g] < next)
                    {
                        next = _nextDue[g];
                    }
                }

                long delay = waitingForTime ? RetryTime : next - now;
                if (_state == SecurityModuleState.Pending && !_linkUp)
                {
                    long suspendIn = _stateSince + PendingTime - now;
                    if (suspendIn < delay)
                    {
                        delay = suspendIn;
                    }
                }

                return delay < 0 ? 0 : delay;
            }
        }

        /// <returns>False when a group is due but there is no valid UTC time yet.</returns>
        private bool Collect(long now)
        {
            bool any = false;
            for (int g = 0; g < GroupCount; g++)
            {
                _due[g] = now >= _nextDue[g];
                any |= _due[g];
            }

            if (!any)
            {
                return true;
            }

            DateTime utc;
            if (!_utc.TryGetUtcNow(out utc))
            {
                return false;
            }

            _writer.SetTime(utc, _utc.UtcOffsetMinutes);
            bool nothingQueued = _writer.IsEmpty;
            for (int i = 0; i < _collectors.Length; i++)
            {
                Collector collector = _collectors[i];
                if (_due[(int)collector.Priority] && ShouldRun(collector, now, nothingQueued))
                {
                    Run(collector, now);
                }
            }

            if (ShouldRun(_afterEveryCollection, now, nothingQueued))
            {
                Run(_afterEveryCollection, now);
            }
            for (int g = 0; g < GroupCount; g++)
            {
                if (_due[g])
                {
                    // Skip missed periods instead of bursting to catch up.
                    long missed = (now - _nextDue[g]) / _intervals[g] + 1;
                    _nextDue[g] += missed * _intervals[g];
                }
            }

            return true;
        }

#if ASC_DETECTIONS_ENABLED
        /// <returns>False when detections wait but there is no valid UTC time yet.</returns>
        private bool SendDetections(long now)
        {
            if (_detector.HasPending)
            {
                DateTime utc;
                if (!_utc.TryGetUtcNow(out utc))
                {
                    return false;
                }

                _writer.SetTime(utc, _utc.UtcOffsetMinutes);
                for (int i = 0; i < _collectors.Length; i++)
                {
                    Collector collector = _collectors[i];
                    if (collector.RunsWithDetections && IsOn(collector))
                    {
                        collector.PrepareDetectionRun();
                        Run(collector, now);
                    }
                }
            }

            if (_detections.TakeWritten())
            {
                FlushOpenMessage();
            }

            return true;
        }

#endif
        private bool IsOn(Collector collector)
        {
            return !collector.FollowsEventPriority || _configuration.PriorityOf(collector.Kind) != EventPriority.Off;
        }

        private bool ShouldRun(Collector collector, long now, bool nothingQueued)
        {
            if (!IsOn(collector)
                || (collector.OnlyWhenNothingQueued && !nothingQueued))
            {
                return false;
            }

            return !collector.IsSnapshot
                || collector.LastRun < 0
                || now - collector.LastRun >= _configuration.SnapshotFrequency * Second;
        }

        private void Run(Collector collector, long now)
        {
            collector.LastRun = now;
            int written = _writer.EventsWritten;
            int flushed = _writer.MessagesFlushed;
            try
            {
                collector.Collect(_writer);
            }
            catch (Exception e)
            {
                // A failing port (system information, listening ports) loses that event only.
                _writer.AbortEvent();
                if (Logger.ErrorEnabled)
                {
                    _log.Write(LogLevel.Error, "collector " + collector.Name + " failed: " + e.Message);
                }
            }

            if (_writer.IsEmpty || _writer.MessagesFlushed != flushed)
            {
                // What it wrote filled the open message, which went out with everything queued
                // before: the new open message, if any, holds this collector's events alone.
                _highQueuedAt = -1;
                _lowQueuedAt = -1;
            }

            if (!_writer.IsEmpty && _writer.EventsWritten != written)
            {
                if (!collector.FollowsEventPriority || _configuration.PriorityOf(collector.Kind) == EventPriority.High)
                {
                    _highQueuedAt = _highQueuedAt < 0 ? now : _highQueuedAt;
                }
                else
                {
                    _lowQueuedAt = _lowQueuedAt < 0 ? now : _lowQueuedAt;
                }
            }
        }

        private long FlushDeadline()
        {
            long deadline = long.MaxValue;
            if (_highQueuedAt >= 0)
            {
                deadline = _highQueuedAt + _configuration.HighPriorityMessageFrequency * Second;
            }

            if (_lowQueuedAt >= 0)
            {
                long low = _lowQueuedAt + _configuration.LowPriorityMessageFrequency * Second;
                deadline = low < deadline ? low : deadline;
            }

            return deadline;
        }

        private void FlushOpenMessage()
        {
            _writer.Flush();
            _highQueuedAt = -1;
            _lowQueuedAt = -1;
        }

        private void Update(long now)
        {
            switch (_state)
            {
                case SecurityModuleState.Pending:
                    if (_linkUp && HasUtc())
                    {
                        Enter(SecurityModuleState.Active, now);
                    }
                    else if (!_linkUp && now - _stateSince >= PendingTime)
                    {
                        // What is queued goes to the offline cache; collection then stops.
                        FlushOpenMessage();
                        SuspendCollectors();
                        Enter(SecurityModuleState.Suspended, now);
                    }

                    break;

                case SecurityModuleState.Active:
                    if (!_linkUp)
                    {
                        Enter(SecurityModuleState.Pending, now);
                    }

                    break;

                case SecurityModuleState.Suspended:
                    if (_linkUp)
                    {
                        ResumeCollectors();

                        // A hub outage ends for a whole fleet at once: spread the first reports again.
                        ScheduleFirstCollection(now);
                        Enter(HasUtc() ? SecurityModuleState.Active : SecurityModuleState.Pending, now);
                    }

                    break;
            }
        }

        private void SuspendCollectors()
        {
            for (int i = 0; i < _collectors.Length; i++)
            {
                _collectors[i].Suspend();
            }
        }

        private void ResumeCollectors()
        {
            for (int i = 0; i < _collectors.Length; i++)
            {
                _collectors[i].Resume();
            }
        }

        private bool HasUtc()
        {
            DateTime ignored;
            return _utc.TryGetUtcNow(out ignored);
        }

        private void ScheduleFirstCollection(long now)
        {
            long first = now + FirstCollection + _random.Next((int)FirstCollection);
            for (int g = 0; g < GroupCount; g++)
            {
                _nextDue[g] = first;
            }
        }

        private void Enter(SecurityModuleState state, long now)
        {
            if (Logger.InformationEnabled && state != _state)
            {
                _log.Write(LogLevel.Information, "state " + NameOf(_state) + " -> " + NameOf(state));
            }

            _state = state;
            _stateSince = now;
        }

        // Not Enum.ToString(): nanoFramework's gives the number.
        private static string NameOf(SecurityModuleState state)
        {
            switch (state)
            {
                case SecurityModuleState.Pending:
                    return "Pending";
                case SecurityModuleState.Active:
                    return "Active";
                case SecurityModuleState.Suspended:
                    return "Suspended";
                default:
                    return "NotInitialized";
            }
        }
    }
}
