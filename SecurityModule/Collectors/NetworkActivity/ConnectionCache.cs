#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// What the IPv4 and IPv6 flow caches share: a fixed capacity, two preallocated tables (one
    /// recording while the collector reads the other) and the record-time filters. Recording a
    /// packet allocates nothing, costs O(1), and may happen on any number of threads at once.
    /// </summary>
    public abstract class ConnectionCache
    {
        // Record does its whole lookup-and-count under this lock, and Swap changes the recording
        // table under it too, so every packet lands entirely in the table that was recording when
        // it took the lock: before the swap it is in the drained table, after it in the next one,
        // and none is lost or counted twice. Once swapped out a table is no longer reachable by
        // Record, so the collector reads and clears it without the lock; that Clear precedes the
        // swap that brings the table back, whose lock publishes it to the recorders. The lock is
        // held for a hash, a short chain walk and a few stores, so it is a flag taken with a
        // compare-and-swap and released with an exchange rather than a Monitor (about 15 ns
        // against 25 for an uncontended enter and exit, in a loop on the benchmark machine). Only
        // Interlocked touches it: a full fence on .NET, so what is written under the lock is
        // published by the release, and atomic between nanoCLR's threads. Record takes it itself
        // (see Enter and Exit), a call fewer each way on nanoCLR.
        private protected int Held;

        // Values of Held. A waiter marks the lock contended, and takes it so marked, so that the
        // thread releasing it knows to step aside: a thread that takes the lock again at once (a
        // collector in a loop, a recorder with a burst) would otherwise keep winning it on a
        // multi-core host, where the waiter's compare-and-swap comes from another core.
        private protected const int Free = 0;
        private protected const int Taken = 1;
        private const int Contended = 2;

        // A waiter tries this many times, then yields its time slice: on a single core the
        // holder can only finish once the waiter stops running.
        private const int SpinsBeforeYield = 8;

        // After this many yields a waiter sleeps instead, as a Monitor's waiter blocks: a holder
        // of lower priority, which a yield does not let run on every scheduler, gets the
        // processor too, and the threads still running get long turns. Waiters that kept
        // yielding instead made ConnectionCacheConcurrencyTests' collector, which loops on the
        // lock, so fair that tables seldom filled between its swaps (a spill-path case failed
        // about once in 20 runs on two cores; none in 60 with this).
        private const int YieldsBeforeSleep = 2;

        // What the table that is not recording holds: nothing (free, and clear), the flows of a
        // recording table that filled up and was set aside (spilled), or flows the collector is
        // reading (taken).
        private const int StandbyFree = 0;
        private const int StandbySpilled = 1;
        private const int StandbyTaken = 2;

        private readonly int _recorded;
        private readonly int _capacity;
        private FlowTable _recording;
        private FlowTable _collected;
        private int _standby;
        private bool _spillWhenFull;
        private bool _suspended;

        // What the collector read from the tables it took: only it writes these, under the lock.
        private long _droppedPackets;
        private long _droppedFlows;
        private bool _droppedFlowsIsLowerBound;

#if ASC_DETECTIONS_ENABLED
        /// <summary>Sees every flow's first packet of an interval, under the cache's lock; null for none.</summary>
        internal EdgeDetector Detector;

#endif
        private protected ConnectionCache(int capacity, FlowFilter filter, FlowTable first, FlowTable second)
        {
            if (filter == null)
            {
                throw new System.ArgumentNullException();
            }

            _recorded = filter.Recorded;
            _capacity = capacity;
            _recording = first;
            _collected = second;
        }

        /// <summary>Flows the cache can hold per collection interval.</summary>
        public int Capacity => _capacity;

        /// <summary>Flows in the table currently recording (for a fill gauge).</summary>
        public int Count
        {
            get
            {
                Enter();
                try
                {
                    return _recording.Count;
                }
                finally
                {
                    Exit();
                }
            }
        }

        /// <summary>
        /// Packets refused because they started a flow while the cache was full, over all the
        /// collections so far: exact.
        /// </summary>
        public long DroppedPackets
        {
            get
            {
                Enter();
                try
                {
                    return _droppedPackets;
                }
                finally
                {
                    Exit();
                }
            }
        }

        /// <summary>
        /// Distinct flows those packets belonged to, summed over the collections so far (a flow
        /// refused in two collection intervals counts twice): what DroppedEventsStatistics
        /// reports. Exact while <see cref="DroppedFlowsIsLowerBound"/> is false.
        /// </summary>
        public long DroppedFlows
        {
            get
            {
                Enter();
                try
                {
                    return _droppedFlows;
                }
                finally
                {
                    Exit();
                }
            }
        }

        /// <summary>
        /// True once an interval refused more distinct flows than the refused-flow budget of
        /// asc_port.config (<c>ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_REFUSED_FLOWS</c>) keeps:
        /// <see cref="DroppedFlows"/> is then a lower bound.
        /// </summary>
        public bool DroppedFlowsIsLowerBound
        {
            get
            {
                Enter();
                try
                {
                    return _droppedFlowsIsLowerBound;
                }
                finally
                {
                    Exit();
                }
            }
        }

        /// <summary>
        /// Whether a full recording table is set aside for the collector, with the free one
        /// recording in its place, instead of refusing new flows (flow aggregation: the tables
        /// then hold a whole aggregation interval, and a busy interval is sent in parts). New
        /// flows are refused only while a set-aside table still waits for the collector.
        /// </summary>
        internal bool SpillWhenFull
        {
            set
            {
                Enter();
                try
                {
                    _spillWhenFull = value;
                }
                finally
                {
                    Exit();
                }
            }
        }

        /// <summary>
        /// The table that records the next packet, after setting a full one aside if it may;
        /// null while suspended. Call under the lock (<see cref="Enter"/>).
        /// </summary>
        private protected FlowTable TableForRecord()
        {
            if (_suspended)
            {
                return null;
            }

            if (_spillWhenFull && _standby == StandbyFree && _recording.IsFull)
            {
                // O(1): the free table was cleared when the collector released it.
                FlowTable full = _recording;
                _recording = _collected;
                _collected = full;
                _standby = StandbySpilled;
            }

            return _recording;
        }

        /// <summary>
        /// Takes the cache's lock; pair with <see cref="Exit"/> in a finally. Not reentrant.
        /// </summary>
        private protected void Enter()
        {
            if (System.Threading.Interlocked.CompareExchange(ref Held, Taken, Free) != Free)
            {
                EnterContended();
            }
        }

        /// <summary>Releases the cache's lock; the exchange publishes what was written under it.</summary>
        private protected void Exit()
        {
            if (System.Threading.Interlocked.Exchange(ref Held, Free) == Contended)
            {
                StepAside();
            }
        }

        /// <summary>Waits for the lock once a first compare-and-swap found it held, then takes it.</summary>
        private protected void EnterContended()
        {
            // Capped, so that a wait of any length keeps sleeping rather than wrap around.
            int waits = 0;
            while (System.Threading.Interlocked.Exchange(ref Held, Contended) != Free)
            {
                if (waits != SpinsBeforeYield + YieldsBeforeSleep)
                {
                    waits++;
                }

                if (waits > SpinsBeforeYield)
                {
                    // A holder preempted on this core finishes during the yield or the sleep.
                    System.Threading.Thread.Sleep(waits == SpinsBeforeYield + YieldsBeforeSleep ? 1 : 0);
                }
            }
        }

        /// <summary>After releasing a lock that others wait for: lets one of them take it.</summary>
        private protected static void StepAside()
        {
            System.Threading.Thread.Sleep(0);
        }

        /// <summary>Makes recording a no-op and forgets what was recorded (module suspended).</summary>
        internal void Suspend()
        {
            Enter();
            try
            {
                _suspended = true;
                _recording.Clear();
                _collected.Clear();
                _standby = StandbyFree;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>Lets recording count again.</summary>
        internal void Resume()
        {
            Enter();
            try
            {
                _suspended = false;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>
        /// Checks a packet's arguments and the filters that need no lock.
        /// </summary>
        /// <param name="direction">Direction of the packet.</param>
        /// <param name="protocol">Its protocol.</param>
        /// <param name="toGroupAddress">1 when the local address is multicast or broadcast, else 0.</param>
        /// <param name="bytes">Its size.</param>
        /// <returns>False when a filter ignores the packet.</returns>
        private protected bool Accepts(FlowDirection direction, TransportProtocol protocol, int toGroupAddress, int bytes)
        {
            if (bytes < 0 || direction > FlowDirection.Out)
            {
                throw new System.ArgumentOutOfRangeException();
            }

            // FlowFilter.Bit, written out: on nanoCLR a call costs more than the test. An
            // undefined protocol would shift past the filter bits.
            return protocol <= TransportProtocol.Icmp
                && ((_recorded >> (((int)protocol << 2) | ((int)direction << 1) | toGroupAddress)) & 1) != 0;
        }

        /// <summary>
        /// Starts a new collection interval: the other, empty table starts recording and the one
        /// that was recording is returned for the collector to read. Call from one thread only.
        /// </summary>
        /// <remarks>
        /// The caller should <see cref="Release"/> the returned table once read (it is cleared
        /// outside any lock); if it has not by the next swap, that swap clears it (under the lock,
        /// making recorders wait longer) so an interval never carries flows of an older one.
        /// <para>Recorders run on other threads, so a full table may have been set aside since the
        /// collector last took one (while it wrote, for instance). Then that table is returned
        /// instead, and the table recording in its place, which only holds what came after it
        /// filled, goes on recording: nothing is lost, and its flows come with the next swap.</para>
        /// </remarks>
        private protected FlowTable Swap()
        {
            Enter();
            try
            {
                if (_standby == StandbySpilled)
                {
                    return TakeSpilledLocked();
                }

                FlowTable drained = _recording;
                _collected.Clear();
                _recording = _collected;
                _collected = drained;
                _standby = StandbyTaken;
                return drained;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>
        /// The table set aside because it filled up (see <see cref="SpillWhenFull"/>), for the
        /// collector to read, or null when there is none. Call from the collector's thread only.
        /// </summary>
        private protected FlowTable TakeSpilled()
        {
            Enter();
            try
            {
                return _standby == StandbySpilled ? TakeSpilledLocked() : null;
            }
            finally
            {
                Exit();
            }
        }

        private FlowTable TakeSpilledLocked()
        {
            _standby = StandbyTaken;
            return _collected;
        }

        /// <summary>Adds the drops of a table the collector took to the cache's totals.</summary>
        internal void AccountDrops(FlowTable taken)
        {
            Enter();
            try
            {
                _droppedPackets += taken.DroppedPackets;
                _droppedFlows += taken.DroppedFlows;
                _droppedFlowsIsLowerBound |= taken.DroppedFlowsIsLowerBound;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>
        /// Clears the table the collector took (by a swap or as the spilled table)
        /// and makes it free to take a full recording table again.
        /// </summary>
        internal void Release()
        {
            FlowTable taken;
            Enter();
            try
            {
                if (_standby != StandbyTaken)
                {
                    return;
                }

                taken = _collected;
            }
            finally
            {
                Exit();
            }

            // Outside the lock: nothing records into a taken table, and only this thread frees it.
            taken.Clear();
            Enter();
            try
            {
                _standby = StandbyFree;
            }
            finally
            {
                Exit();
            }
        }
    }
}
#endif
