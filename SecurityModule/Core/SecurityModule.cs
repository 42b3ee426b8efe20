using System;
using System.Collections;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// The security agent: collects security events on a schedule and writes them as
    /// Defender for IoT security messages to the message sink.
    /// </summary>
    /// <remarks>
    /// Create it once with the target's ports, feed network activity through the
    /// Ipv4Connections and Ipv6Connections caches (where compiled in),
    /// tell it when the link to IoT Hub goes up or down with <see cref="SetLinkState"/>,
    /// and call <see cref="Start"/>. A thread of the module drives collection from then on.
    /// </remarks>
    public sealed class SecurityModule : IDisposable
    {
        /// <summary>The AgentVersion written in every message: the release version of nanoSecurity.</summary>
        public const string AgentVersion = ModuleVersion.Text;

        /// <summary>How long <see cref="Stop()"/> lets the module's own session deliver what is cached.</summary>
        public const int DefaultStopDrainMilliseconds = 5000;

        // Longest wait of the driving thread: the engine is re-asked at least this often.
        private const long MaxWait = 60 * 1000;

        // Wait of the driving thread after a port threw out of a tick.
        private const int FaultWait = AscPortConfig.SecurityModuleSendMessageRetryTime * 1000;

        private readonly CollectionEngine _engine;
        private readonly MessageStatistics _messageStatistics = new MessageStatistics();
        private readonly object _driverSync = new object();
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);
        private readonly string _agentId;
        private readonly IotHubSession _session;
        private readonly ModuleTwin _twin;
        private readonly Logger _log;
#if ASC_DETECTIONS_ENABLED
        private readonly EdgeDetector _detector;
#endif
        private Thread _driver;
        private bool _running;
        private int _faults;

        /// <summary>Creates the module; nothing runs until <see cref="Start"/>.</summary>
        /// <param name="options">Ports and identity.</param>
        public SecurityModule(SecurityModuleOptions options)
        {
            if (options == null || options.MonotonicClock == null || options.UtcClock == null)
            {
                throw new ArgumentNullException();
            }

            // Exactly one way out: the module's own IoT Hub session, or the application's sink.
            bool ownSession = options.ConnectionString != null;
            if (ownSession == (options.MessageSink != null) || (ownSession && options.Channel == null))
            {
                throw new ArgumentException("give either ConnectionString and Channel, or MessageSink");
            }

            IotHubConnectionString connection = ownSession ? IotHubConnectionString.Parse(options.ConnectionString) : null;
            _agentId = NanoSecurity.AgentId.Resolve(options.AgentId, ownSession ? connection.DeviceId : options.DeviceId);
            IRandomSource random = options.Random ?? new SystemRandomSource();
            var log = new Logger(options.Log);
            _log = log;
            var events = new EventStatistics();
            OutboundQueue queue = ownSession ? new OutboundQueue(AscPortConfig.LocalCacheSize, events, _messageStatistics) : null;
            var writer = new SecurityMessageWriter(
                AscPortConfig.MaxMessageSize,
                _agentId,
                AgentVersion,
                random,
                ownSession ? queue : options.MessageSink,
                events,
                _messageStatistics);
            writer.Observer = options.MessageObserver;

            // Registration order is the order of events in a message: High, Medium, Low.
            var collectors = new ArrayList();
            var configurationErrors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            collectors.Add(new ConfigurationErrorCollector(configurationErrors));
#if ASC_DETECTIONS_ENABLED
            _detector = new EdgeDetector(options.MonotonicClock);
            _detector.Wake = _wake;
            var detections = new DetectionCollector(_detector, options.DetectionObserver, log);
#endif
#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            FlowFilter filter = FlowFilter.FromConfig();
            Ipv4Connections = new Ipv4ConnectionCache(AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache, filter);
            Ipv6Connections = new Ipv6ConnectionCache(AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache, filter);
            var network = new NetworkActivityCollector(Ipv4Connections, Ipv6Connections, events);
            collectors.Add(network);
#if ASC_DETECTIONS_ENABLED
            Ipv4Connections.Detector = _detector;
            Ipv6Connections.Detector = _detector;
            network.Detector = _detector;
#endif
#endif
#if ASC_DETECTIONS_ENABLED
            collectors.Add(detections);
#endif
#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
            if (options.ListeningPorts != null)
            {
                var listening = new ListeningPortsCollector(options.ListeningPorts, events);
#if ASC_DETECTIONS_ENABLED
                listening.Detector = _detector;
#endif
                collectors.Add(listening);
            }
#endif
#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
            if (options.SystemInformation != null)
            {
                collectors.Add(new SystemInformationCollector(options.SystemInformation));
            }
#endif
#if ASC_COLLECTOR_HEARTBEAT_ENABLED
            collectors.Add(new HeartbeatCollector());
#endif
            collectors.Add(new MessageStatisticsCollector(_messageStatistics));

            _engine = new CollectionEngine(
                (Collector[])collectors.ToArray(typeof(Collector)),
                new DroppedEventsCollector(events),
                writer,
                options.MonotonicClock,
                options.UtcClock,
                random,
                log);

#if ASC_DETECTIONS_ENABLED
            _engine.UseDetections(_detector, detections);
#endif
            _twin = new ModuleTwin(_engine, queue, configurationErrors, log);
#if ASC_DETECTIONS_ENABLED
            _twin.UseDetections(_detector);
#endif
            if (ownSession)
            {
                _session = new IotHubSession(
                    connection, options.Channel, options.Port, queue, _engine, _twin, _messageStatistics,
                    options.MonotonicClock, options.UtcClock, random, log);
            }
        }

        /// <summary>The AgentId written in every message.</summary>
        public string AgentId => _agentId;

        /// <summary>The module's current state.</summary>
        public SecurityModuleState State => _engine.State;

#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
        /// <summary>The IPv4 flow cache: call its Record from packet or socket hooks.</summary>
        public Ipv4ConnectionCache Ipv4Connections { get; }

        /// <summary>The IPv6 flow cache: call its Record from packet or socket hooks.</summary>
        public Ipv6ConnectionCache Ipv6Connections { get; }
#endif

        /// <summary>
        /// Number of collectors compiled in and registered, in the order they run (the last one,
        /// DroppedEventsStatistics, runs at the end of every collection). For status views.
        /// </summary>
        public int CollectorCount => _engine.CollectorCount;

        /// <summary>Name of a collector, e.g. "NetworkActivity".</summary>
        /// <param name="index">0 to <see cref="CollectorCount"/> - 1.</param>
        /// <returns>The name.</returns>
        public string GetCollectorName(int index)
        {
            return _engine.CollectorName(index);
        }

        /// <summary>When a collector last ran, on the options' monotonic clock.</summary>
        /// <param name="index">0 to <see cref="CollectorCount"/> - 1.</param>
        /// <returns>Milliseconds of <see cref="SecurityModuleOptions.MonotonicClock"/>; -1 if it never ran.</returns>
        public long GetCollectorLastRun(int index)
        {
            return _engine.CollectorLastRun(index);
        }

        /// <summary>When a collector is next due, on the options' monotonic clock.</summary>
        /// <param name="index">0 to <see cref="CollectorCount"/> - 1.</param>
        /// <returns>Milliseconds of <see cref="SecurityModuleOptions.MonotonicClock"/>; -1 when the module is not started.</returns>
        public long GetCollectorNextDue(int index)
        {
            return _engine.CollectorNextDue(index);
        }

        internal CollectionEngine Engine => _engine;

#if ASC_DETECTIONS_ENABLED
        internal EdgeDetector Detector => _detector;

        /// <summary>
        /// Edge detections lost because more distinct ones came within one tick than the module
        /// holds (16); since the module started.
        /// </summary>
        public int DetectionsLost => _detector.Lost;

        /// <summary>
        /// Port-scan pairs (remote, local port) evicted from the full table while still inside the
        /// window, since the module started: a scan may then have been undercounted.
        /// </summary>
        public long PortScanOverflows => _detector.PortScanOverflows;
#endif

        internal ModuleTwin Twin => _twin;

        internal IotHubSession Session => _session;

        /// <summary>Starts collecting, in state Pending, the thread that drives it and, with a connection string, the IoT Hub session.</summary>
        public void Start()
        {
            _engine.Start();
            if (_session != null)
            {
                _session.Start();
            }

            lock (_driverSync)
            {
                // A thread of its own rather than a pool timer: on a PC a busy thread pool would delay
                // collections, and on a device it is one small stack either way.
                _running = true;
                _driver = new Thread(Drive);
                _driver.Start();
            }
        }

        /// <summary>
        /// Exceptions thrown by a port (clock, random, sink) out of the driving thread's work,
        /// and by the module's own session, that the module contained and logged.
        /// </summary>
        public int Faults => Interlocked.CompareExchange(ref _faults, 0, 0) + (_session != null ? _session.Faults : 0);

        /// <summary>
        /// Stops collecting and sends what was collected: the open message is closed, the module's
        /// own session has up to <see cref="DefaultStopDrainMilliseconds"/> to deliver the offline
        /// cache, then the session and the driving thread stop.
        /// </summary>
        public void Stop()
        {
            Stop(DefaultStopDrainMilliseconds);
        }

        /// <summary>
        /// Stops collecting and sends what was collected. The open message is closed and handed
        /// on (to the sink, or to the offline cache); the module's own session then keeps
        /// delivering the cache, in order, until it is empty or about
        /// <paramref name="drainMilliseconds"/> have passed; then it disconnects. What is left stays
        /// counted as not sent.
        /// </summary>
        /// <param name="drainMilliseconds">Longest wait for the cache to empty; 0 does not wait.</param>
        public void Stop(int drainMilliseconds)
        {
            if (drainMilliseconds < 0)
            {
                throw new ArgumentOutOfRangeException("drainMilliseconds");
            }

            Thread driver;
            lock (_driverSync)
            {
                _running = false;
                driver = _driver;
                _driver = null;
            }

            if (driver != null)
            {
                _wake.Set();
                driver.Join();
            }

            // Closing the open message first: the session can then still send it.
            _engine.Stop();
            if (_session != null)
            {
                if (drainMilliseconds > 0)
                {
                    _session.Drain(drainMilliseconds);
                }

                _session.Stop();
            }
        }

        /// <summary>
        /// Tells the module whether the link to IoT Hub is up, when the application sends the
        /// messages itself (<see cref="SecurityModuleOptions.MessageSink"/>); the module's own
        /// session reports it by itself.
        /// </summary>
        /// <param name="connected">True when connected.</param>
        public void SetLinkState(bool connected)
        {
            _engine.SetLinkState(connected);
            _wake.Set();
        }

        /// <summary>Counts a message the hub acknowledged, for MessageStatistics.</summary>
        /// <param name="bytes">Size of its body.</param>
        public void ReportMessageSent(int bytes)
        {
            _messageStatistics.AddSent(bytes);
        }

        /// <summary>Counts a message that could not be delivered, for MessageStatistics.</summary>
        public void ReportMessageFailed()
        {
            _messageStatistics.AddFailed();
        }

        /// <summary>
        /// Applies a document of the <c>azureiotsecurity</c> module twin, when the application
        /// holds the IoT Hub connection (<see cref="SecurityModuleOptions.MessageSink"/>); the
        /// module's own session does this by itself. An invalid document changes nothing and
        /// is reported in a ConfigurationError event; a stale patch is ignored.
        /// </summary>
        /// <param name="utf8">The document: the whole twin (answer to a twin GET) or a desired-properties patch.</param>
        /// <param name="offset">Index of its first byte.</param>
        /// <param name="count">Its length in bytes.</param>
        /// <param name="isFullTwin">True for the whole twin, false for a desired patch.</param>
        /// <returns>True when the configuration in force changed: report it with <see cref="GetReportedProperties"/>.</returns>
        public bool ApplyTwin(byte[] utf8, int offset, int count, bool isFullTwin)
        {
            if (utf8 == null)
            {
                throw new ArgumentNullException("utf8");
            }

            bool changed;
            _twin.Apply(utf8, offset, count, isFullTwin, out changed);
            _wake.Set();
            return changed;
        }

        /// <summary>
        /// The configuration in force as a reported-properties patch, UTF-8 JSON, for the
        /// application to send at start and after every change (module's own session: done for you).
        /// </summary>
        /// <returns>A new array holding the document.</returns>
        public byte[] GetReportedProperties()
        {
            var json = new JsonWriter(ReportedPropertiesWriter.MaxLength);
            _twin.TakeReport(json);
            var document = new byte[json.Length];
            Array.Copy(json.Buffer, document, json.Length);
            return document;
        }

        /// <summary>Same as <see cref="Stop()"/>.</summary>
        public void Dispose()
        {
            Stop();
        }

        private void Drive()
        {
            while (Running)
            {
                long delay;
                try
                {
                    delay = _engine.Tick();
                }
                catch (Exception e)
                {
                    // A port that throws (clock, random) must not end the thread while State
                    // still says Active: count it, log it, try again a little later.
                    Interlocked.Increment(ref _faults);
                    if (Logger.ErrorEnabled)
                    {
                        _log.Write(LogLevel.Error, "collection fault: " + e.Message);
                    }

                    delay = FaultWait;
                }

                if (_session != null)
                {
                    _session.Wake();
                }

                if (delay < 0)
                {
                    return;
                }

                // A link change during the tick has already set the event: the wait then ends at once.
                _wake.WaitOne((int)(delay > MaxWait ? MaxWait : delay), false);
            }
        }

        private bool Running
        {
            get
            {
                lock (_driverSync)
                {
                    return _running;
                }
            }
        }
    }
}
