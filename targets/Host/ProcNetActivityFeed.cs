using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace NanoSecurity.Host
{
    /// <summary>
    /// The PC's network-activity feed on Linux: polls <c>/proc/net/{tcp,tcp6,udp,udp6}</c> and
    /// records every connected socket it sees into the module's flow caches.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>What is recorded.</b> Each poll calls <c>Record</c> once for every connected socket: a
    /// remote port other than 0 and, for TCP, any state but LISTEN (so SYN_SENT attempts and
    /// TIME_WAIT leftovers of short connections count too). A flow's HitCount is therefore the
    /// number of polls that saw it, not a packet count (plus one for a poll in which bytes also
    /// moved against the flow's direction: each direction is its own <c>Record</c>). A connection
    /// that opens and closes between two
    /// polls is missed unless it lingers in TIME_WAIT.
    /// </para>
    /// <para>
    /// <b>Bytes.</b> The tables carry no byte counters (<c>tx_queue</c>/<c>rx_queue</c> are what
    /// waits in the socket queues now, not totals). For TCP each poll also reads the kernel's
    /// per-socket totals over NETLINK_SOCK_DIAG (<c>tcp_info</c>'s bytes_received and bytes_acked,
    /// what <c>ss -ti</c> shows; any user may read them), matched to the table entry by inode,
    /// and records what moved since the previous poll: bytes_received as In, bytes_acked (sent
    /// and acknowledged by the peer) as Out. A socket seen for the first time brings its whole
    /// total, so a connection older than the feed counts its past once. UDP flows, and TCP
    /// flows when the counters cannot be read (<see cref="ByteCountsAvailable"/> is false, the
    /// reason in <see cref="ByteCountsUnavailableReason"/>), are recorded with 0 bytes, and so
    /// are the bytes a socket moves after the last poll before it closes (missed).
    /// </para>
    /// <para>
    /// <b>Addresses.</b> IPv4 tables feed <see cref="Ipv4ConnectionCache"/>; IPv6 tables feed
    /// <see cref="Ipv6ConnectionCache"/>, except IPv4-mapped entries (<c>::ffff:a.b.c.d</c>, an
    /// IPv4 peer of a dual-stack socket), which are IPv4 traffic and go to the IPv4 cache.
    /// Loopback connections are recorded like any other.
    /// </para>
    /// <para>
    /// <b>Direction</b> (the tables do not say who connected). A flow is In when its local port is
    /// also a listening port of the same protocol in the same poll (a TCP socket in LISTEN, or an
    /// unconnected UDP socket, on any address): the connection was accepted there. It is Out when
    /// the remote end is on this machine (a loopback address, or the local address itself) and
    /// its port is such a listening port: a connection to a local server, such as the client's end
    /// of a loopback connection. Otherwise it is Out when the local port is at least the remote one
    /// (clients use high, ephemeral ports, from 32768 by default on Linux, to reach services on
    /// low ones), and In when it is lower (a service whose listener has since closed). So a client
    /// that reaches a remote service on a port above its own ephemeral one is reported In.
    /// </para>
    /// <para>
    /// <b>Elsewhere.</b> Without <c>/proc/net</c> (Windows, macOS) a poll records nothing;
    /// <see cref="IsSupported"/> says so. The tables are the network namespace's, so every
    /// process's connections are recorded, not only this one's.
    /// </para>
    /// <para>
    /// Thread-safe. <see cref="Start"/> polls on a <see cref="Timer"/>; a poll that fails is
    /// counted in <see cref="PollErrors"/> and the timer keeps going.
    /// </para>
    /// </remarks>
    public sealed class ProcNetActivityFeed : IDisposable
    {
        private const string DefaultProcRoot = "/proc";

        private static readonly byte[] Ipv6Loopback = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

        private readonly Ipv4ConnectionCache _ipv4;
        private readonly Ipv6ConnectionCache _ipv6;
        private readonly string _procRoot;
        private readonly object _pollLock = new object();
        private readonly HashSet<(TransportProtocol, ushort)> _listening = new HashSet<(TransportProtocol, ushort)>();
        private readonly byte[] _netlinkBuffer = new byte[64 * 1024];
        private Dictionary<ulong, (ulong Received, ulong Acked)> _counters = new Dictionary<ulong, (ulong, ulong)>();
        private Dictionary<ulong, (ulong Received, ulong Acked)> _previousCounters = new Dictionary<ulong, (ulong, ulong)>();
        private volatile bool _byteCountsAvailable;
        private volatile string? _byteCountsUnavailableReason = "no poll yet";
        private Timer? _timer;
        private object? _timerToken;
        private bool _disposed;
        private int _pollCount;
        private int _pollErrors;
        private int _flowsSeen;
        private long _recordCalls;
        private Exception? _lastError;

        /// <summary>Creates a feed; it records on <see cref="Poll"/> or, after <see cref="Start"/>, on a timer.</summary>
        /// <param name="ipv4">The module's IPv4 cache (<c>module.Ipv4Connections</c>).</param>
        /// <param name="ipv6">The module's IPv6 cache (<c>module.Ipv6Connections</c>).</param>
        /// <param name="procRoot">Where procfs is mounted; another directory in tests.</param>
        /// <exception cref="ArgumentNullException">A cache is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="procRoot"/> is null or empty.</exception>
        public ProcNetActivityFeed(Ipv4ConnectionCache ipv4, Ipv6ConnectionCache ipv6, string procRoot = "/proc")
        {
            if (string.IsNullOrEmpty(procRoot))
            {
                throw new ArgumentException("The proc root must be a directory path.", nameof(procRoot));
            }

            _ipv4 = ipv4 ?? throw new ArgumentNullException(nameof(ipv4));
            _ipv6 = ipv6 ?? throw new ArgumentNullException(nameof(ipv6));
            _procRoot = procRoot;
        }

        /// <summary>Whether the socket tables exist here (Linux); when false, polls record nothing.</summary>
        public bool IsSupported => ProcNetFiles.Exists(_procRoot);

        /// <summary>Polls that completed, by <see cref="Poll"/> or by the timer.</summary>
        public int PollCount => Volatile.Read(ref _pollCount);

        /// <summary>
        /// Connected sockets the latest completed poll passed to <c>Record</c> (a gauge, for a UI);
        /// a cache may still have refused some (module suspended, protocol filtered, cache full).
        /// </summary>
        public int FlowsSeen => Volatile.Read(ref _flowsSeen);

        /// <summary><c>Record</c> calls made since creation, over all polls (accepted or not).</summary>
        public long RecordCalls => Interlocked.Read(ref _recordCalls);

        /// <summary>
        /// Whether the latest poll read the per-socket TCP byte counters (NETLINK_SOCK_DIAG); when
        /// false, its flows were recorded with 0 bytes.
        /// </summary>
        public bool ByteCountsAvailable => _byteCountsAvailable;

        /// <summary>Why the latest poll had no byte counters ("no poll yet" before the first), or null when it had them.</summary>
        public string? ByteCountsUnavailableReason => _byteCountsUnavailableReason;

        /// <summary>Timer polls that failed (the exception is in <see cref="LastError"/>).</summary>
        public int PollErrors => Volatile.Read(ref _pollErrors);

        /// <summary>The exception of the latest failed timer poll, or null.</summary>
        public Exception? LastError => Volatile.Read(ref _lastError);

        /// <summary>Whether the timer is running.</summary>
        public bool IsRunning
        {
            get
            {
                lock (_pollLock)
                {
                    return _timer != null;
                }
            }
        }

        /// <summary>
        /// Reads the four tables once and records every connected socket (see the remarks of the
        /// class). Blocks while another poll runs.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The feed is disposed.</exception>
        /// <exception cref="IOException">A table exists but cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">A table may not be read.</exception>
        public void Poll()
        {
            lock (_pollLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                PollLocked();
            }
        }

        /// <summary>
        /// Polls now and then every <paramref name="intervalMilliseconds"/> on a timer, until
        /// <see cref="Stop"/>. When already running, restarts with the new interval. A timer tick
        /// that finds a poll still running is skipped.
        /// </summary>
        /// <param name="intervalMilliseconds">Time between polls; the module's high-priority interval or less makes every collection see fresh flows.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="intervalMilliseconds"/> is not positive.</exception>
        /// <exception cref="ObjectDisposedException">The feed is disposed.</exception>
        public void Start(int intervalMilliseconds)
        {
            if (intervalMilliseconds <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(intervalMilliseconds), intervalMilliseconds, "Must be greater than 0.");
            }

            lock (_pollLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                StopLocked();
                var token = new object();
                _timerToken = token;
                _timer = new Timer(OnTimer, token, 0, intervalMilliseconds);
            }
        }

        /// <summary>
        /// Stops the timer. Waits for a poll in progress, so that nothing is recorded once it
        /// returns. Does nothing when not running.
        /// </summary>
        public void Stop()
        {
            lock (_pollLock)
            {
                StopLocked();
            }
        }

        /// <summary>Stops the timer; the feed cannot poll afterwards.</summary>
        public void Dispose()
        {
            lock (_pollLock)
            {
                StopLocked();
                _disposed = true;
            }
        }

        private void OnTimer(object? token)
        {
            // Skips the tick rather than queueing behind a slow poll, a manual one or Stop.
            if (!Monitor.TryEnter(_pollLock))
            {
                return;
            }

            try
            {
                // A tick of a timer that was stopped or replaced meanwhile does nothing.
                if (_disposed || !ReferenceEquals(token, _timerToken))
                {
                    return;
                }

                PollLocked();
            }
            catch (Exception e)
            {
                Volatile.Write(ref _lastError, e);
                Interlocked.Increment(ref _pollErrors);
            }
            finally
            {
                Monitor.Exit(_pollLock);
            }
        }

        private void StopLocked()
        {
            _timerToken = null;
            _timer?.Dispose();
            _timer = null;
        }

        private void PollLocked()
        {
            List<ProcNetEntry> entries = ProcNetFiles.ReadAll(_procRoot);

            _listening.Clear();
            foreach (ProcNetEntry entry in entries)
            {
                if (entry.IsListening)
                {
                    _listening.Add((entry.Protocol, entry.LocalPort));
                }
            }

            // The kernel's counters match only the kernel's own tables (inodes), not a test's copy.
            string? reason = "byte counters are read only with the kernel's tables (/proc), not " + _procRoot;
            bool counted = _procRoot == DefaultProcRoot && TcpSocketCounters.TryRead(_counters, _netlinkBuffer, out reason);
            if (!counted)
            {
                _counters.Clear();
            }

            _byteCountsAvailable = counted;
            _byteCountsUnavailableReason = reason;

            int flows = 0;
            long records = 0;
            foreach (ProcNetEntry entry in entries)
            {
                if (!entry.IsConnected)
                {
                    continue;
                }

                FlowDirection direction = DirectionOf(entry);
                (ulong bytesIn, ulong bytesOut) = BytesSincePreviousPoll(entry);
                FlowDirection other = direction == FlowDirection.In ? FlowDirection.Out : FlowDirection.In;
                records += Record(entry, direction, direction == FlowDirection.In ? bytesIn : bytesOut, always: true);
                records += Record(entry, other, other == FlowDirection.In ? bytesIn : bytesOut, always: false);
                flows++;
            }

            (_previousCounters, _counters) = (_counters, _previousCounters);
            Interlocked.Add(ref _recordCalls, records);
            Volatile.Write(ref _flowsSeen, flows);
            Interlocked.Increment(ref _pollCount);
        }

        /// <summary>What a TCP socket received and had acknowledged since the previous poll (0, 0 without counters).</summary>
        private (ulong In, ulong Out) BytesSincePreviousPoll(ProcNetEntry entry)
        {
            if (entry.Protocol != TransportProtocol.Tcp || entry.Inode == 0 || !_counters.TryGetValue(entry.Inode, out var now))
            {
                return (0, 0);
            }

            // A socket new since the previous poll (or a reused inode) brings its whole total.
            if (!_previousCounters.TryGetValue(entry.Inode, out var before) || now.Received < before.Received || now.Acked < before.Acked)
            {
                before = (0, 0);
            }

            return (now.Received - before.Received, now.Acked - before.Acked);
        }

        /// <summary>
        /// Records <paramref name="bytes"/> of the flow in <paramref name="direction"/>, in pieces
        /// of at most int.MaxValue; with zero bytes only when <paramref name="always"/>. Returns the calls made.
        /// </summary>
        private int Record(ProcNetEntry entry, FlowDirection direction, ulong bytes, bool always)
        {
            int calls = 0;
            while (bytes > 0 || (always && calls == 0))
            {
                int piece = (int)Math.Min(bytes, int.MaxValue);
                if (entry.IsIpv6 && !entry.IsIpv4Mapped)
                {
                    _ipv6.Record(direction, entry.Protocol, entry.LocalAddressArray, 0, entry.LocalPort, entry.RemoteAddressArray, 0, entry.RemotePort, piece);
                }
                else
                {
                    _ipv4.Record(direction, entry.Protocol, entry.LocalIpv4, entry.LocalPort, entry.RemoteIpv4, entry.RemotePort, piece);
                }

                bytes -= (ulong)piece;
                calls++;
            }

            return calls;
        }

        /// <summary>The direction heuristic of the class remarks.</summary>
        private FlowDirection DirectionOf(ProcNetEntry entry)
        {
            if (_listening.Contains((entry.Protocol, entry.LocalPort)))
            {
                return FlowDirection.In;
            }

            if (_listening.Contains((entry.Protocol, entry.RemotePort)) && IsThisMachine(entry))
            {
                return FlowDirection.Out;
            }

            return entry.LocalPort >= entry.RemotePort ? FlowDirection.Out : FlowDirection.In;
        }

        /// <summary>Whether the remote end is on this machine: a loopback address, or the local address itself.</summary>
        private static bool IsThisMachine(ProcNetEntry entry)
        {
            byte[] local = entry.LocalAddressArray;
            byte[] remote = entry.RemoteAddressArray;
            if (local.AsSpan().SequenceEqual(remote))
            {
                return true;
            }

            if (!entry.IsIpv6 || entry.IsIpv4Mapped)
            {
                return (entry.RemoteIpv4 >> 24) == 127;
            }

            return remote.AsSpan().SequenceEqual(Ipv6Loopback);
        }
    }
}
