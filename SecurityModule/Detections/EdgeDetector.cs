#if ASC_DETECTIONS_ENABLED
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// Evaluates the detection rules where the data already passes: a flow's first packet in
    /// the flow caches (address rules, port scans), the flow count at collection, each socket of
    /// a ListeningPorts snapshot. A detection is queued (allocation-free) and the module's
    /// driving thread is woken, so that the next engine tick sends it; nothing else happens on
    /// the packet path.
    /// </summary>
    /// <remarks>
    /// Called from any thread (the packet hooks hold their cache's lock, which is always taken
    /// before this one); the twin's thread reconfigures it under the same lock.
    /// </remarks>
    internal sealed class EdgeDetector
    {
        /// <summary>Distinct detections that can wait for one tick; more are counted as lost.</summary>
        internal const int QueueCapacity = 16;

        private const string AllowedRule = "allowedRemoteAddresses";
        private const string PortScanRule = "portScanDistinctPorts";
        private const string ActiveMinRule = "activeConnectionsMin";
        private const string ActiveMaxRule = "activeConnectionsMax";
        private const string ListeningRule = "expectedListeningPorts";

        private readonly object _sync = new object();
        // Replaced whole, never changed in place: the packet path reads the rules without a lock,
        // and takes one only to queue a detection or to track a port scan. A reader sees the old
        // rules or the new ones, complete (.NET publishes an object reference with release
        // semantics; nanoCLR interprets on one core); nanoFramework's mscorlib has no IsVolatile.
        private DetectionSettings _settings = DetectionSettings.Defaults();
        private readonly PortScanTracker _scans = new PortScanTracker(AscPortConfig.DetectionsPortScanTableSize);
        private readonly DetectionQueue _queue = new DetectionQueue(QueueCapacity);
        private readonly Detection _scratch = new Detection();
        private readonly IMonotonicClock _clock;

        internal EdgeDetector(IMonotonicClock clock)
        {
            _clock = clock;
        }

        /// <summary>Set when a detection is queued; the module's driving thread waits on it.</summary>
        internal AutoResetEvent Wake { get; set; }

        /// <summary>Detections lost because the queue was full.</summary>
        internal int Lost
        {
            get
            {
                lock (_sync)
                {
                    return _queue.Lost;
                }
            }
        }

        /// <summary>Port-scan pairs evicted while still inside the window.</summary>
        internal long PortScanOverflows
        {
            get
            {
                lock (_sync)
                {
                    return _scans.Overflows;
                }
            }
        }

        internal bool HasPending
        {
            get
            {
                lock (_sync)
                {
                    return _queue.Count > 0;
                }
            }
        }

        /// <summary>Puts rules in force (copied); forgets the port-scan history when the rule changes.</summary>
        internal void Configure(DetectionSettings settings)
        {
            var next = new DetectionSettings();
            next.CopyFrom(settings);
            lock (_sync)
            {
                if (settings.PortScanDistinctPorts != _settings.PortScanDistinctPorts || settings.PortScanWindow != _settings.PortScanWindow)
                {
                    _scans.Clear();
                }

                _settings = next;
            }
        }

        /// <summary>Moves the waiting detections into <paramref name="into"/>, which is cleared first.</summary>
        internal void TakePending(DetectionQueue into)
        {
            into.Clear();
            lock (_sync)
            {
                for (int i = 0; i < _queue.Count; i++)
                {
                    into.Add(_queue[i]);
                }

                _queue.Clear();
            }
        }

        /// <summary>A flow's first packet in the IPv4 cache.</summary>
        internal void OnNewIpv4Flow(FlowDirection direction, TransportProtocol protocol, ushort localPort, uint remote, ushort remotePort)
        {
            DetectionSettings rules = _settings;
            if (!ChecksNewFlows(rules, direction))
            {
                return;
            }

            int denied = rules.DeniedRemoteAddresses.MatchIpv4(remote);
            bool notAllowed = denied < 0 && rules.AllowedRemoteAddresses.Count > 0
                && rules.AllowedRemoteAddresses.MatchIpv4(remote) < 0
                && !(AscPortConfig.DetectionsAllowLoopback && (remote >> 24) == 127)
                && !(AscPortConfig.DetectionsAllowLinkLocal && (remote & 0xFFFF0000) == 0xA9FE0000);
            if (denied < 0 && !notAllowed && !TracksScans(rules, direction))
            {
                return;
            }

            lock (_sync)
            {
                _scratch.SetIpv4(remote);
                Evaluate(rules, direction, protocol, localPort, remotePort, denied, notAllowed);
            }
        }

        /// <summary>A flow's first packet in the IPv6 cache; the remote address is read at <paramref name="offset"/>.</summary>
        internal void OnNewIpv6Flow(FlowDirection direction, TransportProtocol protocol, ushort localPort, byte[] remote, int offset, ushort remotePort)
        {
            DetectionSettings rules = _settings;
            if (!ChecksNewFlows(rules, direction))
            {
                return;
            }

            uint w0 = CidrRange.ReadWord(remote, offset);
            uint w1 = CidrRange.ReadWord(remote, offset + 4);
            uint w2 = CidrRange.ReadWord(remote, offset + 8);
            uint w3 = CidrRange.ReadWord(remote, offset + 12);
            int denied = rules.DeniedRemoteAddresses.MatchIpv6(w0, w1, w2, w3);
            bool notAllowed = denied < 0 && rules.AllowedRemoteAddresses.Count > 0
                && rules.AllowedRemoteAddresses.MatchIpv6(w0, w1, w2, w3) < 0
                && !(AscPortConfig.DetectionsAllowLoopback && w0 == 0 && w1 == 0 && w2 == 0 && w3 == 1)
                && !(AscPortConfig.DetectionsAllowLinkLocal && (w0 & 0xFFC00000) == 0xFE800000);
            if (denied < 0 && !notAllowed && !TracksScans(rules, direction))
            {
                return;
            }

            lock (_sync)
            {
                _scratch.SetIpv6(w0, w1, w2, w3);
                Evaluate(rules, direction, protocol, localPort, remotePort, denied, notAllowed);
            }
        }

        /// <summary>The flows of one network collection, checked against [min, max].</summary>
        internal void OnFlowCount(int flows)
        {
            DetectionSettings rules = _settings;
            bool below = flows < rules.ActiveConnectionsMin;
            if (!rules.Enabled || (!below && flows <= rules.ActiveConnectionsMax))
            {
                return;
            }

            lock (_sync)
            {
                _scratch.ClearRemote();
                _scratch.LocalPort = 0;
                _scratch.Protocol = TransportProtocol.Tcp;
                _scratch.Direction = FlowDirection.Out;
                Queue(
                    DetectionKind.ActiveConnectionsOutOfRange,
                    below ? ActiveMinRule : ActiveMaxRule,
                    flows,
                    below ? rules.ActiveConnectionsMin : rules.ActiveConnectionsMax);
            }
        }

        /// <summary>Whether listening sockets are checked at all: only once expected ports are set.</summary>
        internal bool ChecksListeningPorts
        {
            get
            {
                DetectionSettings rules = _settings;
                return rules.Enabled && rules.ExpectedListeningPorts.Count > 0;
            }
        }

        /// <summary>One socket of a ListeningPorts snapshot.</summary>
        internal void OnListeningPort(TransportProtocol protocol, ushort port)
        {
            DetectionSettings rules = _settings;
            if (!rules.Enabled || rules.ExpectedListeningPorts.Count == 0 || rules.ExpectedListeningPorts.Contains(protocol, port))
            {
                return;
            }

            lock (_sync)
            {
                _scratch.ClearRemote();
                _scratch.LocalPort = port;
                _scratch.Protocol = protocol;
                _scratch.Direction = FlowDirection.In;
                Queue(DetectionKind.UnexpectedListeningPort, ListeningRule, 1, 0);
            }
        }

        /// <summary>
        /// Whether any rule looks at a new flow. Tested before the address is read: the default
        /// rules (detections on, no list, no scan tracking) then cost the packet path one call.
        /// </summary>
        private static bool ChecksNewFlows(DetectionSettings rules, FlowDirection direction)
        {
            return rules.Enabled
                && (rules.DeniedRemoteAddresses.Count > 0 || rules.AllowedRemoteAddresses.Count > 0 || TracksScans(rules, direction));
        }

        private static bool TracksScans(DetectionSettings rules, FlowDirection direction)
        {
            return direction == FlowDirection.In && rules.PortScanDistinctPorts > 0;
        }

        private void Evaluate(DetectionSettings rules, FlowDirection direction, TransportProtocol protocol, ushort localPort, ushort remotePort, int denied, bool notAllowed)
        {
            _scratch.Direction = direction;
            _scratch.Protocol = protocol;
            _scratch.LocalPort = localPort;
            _scratch.RemotePort = remotePort;
            if (denied >= 0)
            {
                Queue(DetectionKind.DeniedRemoteAddress, rules.DeniedRemoteAddresses.TextOf(denied), 1, 0);
            }
            else if (notAllowed)
            {
                Queue(DetectionKind.NotAllowedRemoteAddress, AllowedRule, 1, 0);
            }

            int threshold = rules.PortScanDistinctPorts;
            if (TracksScans(rules, direction))
            {
                int distinct = _scans.Touch(
                    _scratch.IsIpv6, _scratch.Address[0], _scratch.Address[1], _scratch.Address[2], _scratch.Address[3],
                    localPort, _clock.ElapsedMilliseconds, rules.PortScanWindow * 1000);
                if (distinct > threshold)
                {
                    Queue(DetectionKind.PortScan, PortScanRule, distinct, threshold);
                }
            }
        }

        private void Queue(int kind, string rule, int count, int limit)
        {
            _scratch.Kind = kind;
            _scratch.Rule = rule;
            _scratch.Count = count;
            _scratch.Limit = limit;
            _scratch.Suppressed = 0;
            _queue.Add(_scratch);
            _scratch.Rule = null;
            AutoResetEvent wake = Wake;
            if (wake != null)
            {
                wake.Set();
            }
        }
    }
}
#endif
