namespace NanoSecurity
{
    /// <summary>
    /// A source of security events. The engine runs it when its priority group is due and
    /// the module has a valid UTC time; it writes its events through the message writer.
    /// </summary>
    internal abstract class Collector
    {
        /// <summary>Monotonic time, in ms, of the last run; -1 before the first. Written and read under the engine's lock.</summary>
        internal long LastRun = -1;

        /// <summary>Name shown in logs and views.</summary>
        internal abstract string Name { get; }

        /// <summary>The group that decides how often it runs.</summary>
        internal abstract CollectorPriority Priority { get; }

        /// <summary>The event type it writes, whose twin priority (High, Low, Off) decides how soon it is sent, or whether it runs at all.</summary>
        internal abstract SecurityEventKind Kind { get; }

        /// <summary>True for a snapshot of the device's state, taken once every <c>snapshotFrequency</c> rather than at every run of its group.</summary>
        internal virtual bool IsSnapshot => false;

        /// <summary>True when it only runs while nothing waits to be sent (a heartbeat has nothing to add to a message that is going anyway).</summary>
        internal virtual bool OnlyWhenNothingQueued => false;

        /// <summary>False for a collector that its own switch governs rather than its event type's twin priority (detections); its events count as High.</summary>
        internal virtual bool FollowsEventPriority => true;

        /// <summary>True when it also runs, out of its schedule, at the tick after a detection, so that its events leave with the detection's.</summary>
        internal virtual bool RunsWithDetections => false;

        /// <summary>Called just before such an out-of-schedule run.</summary>
        internal virtual void PrepareDetectionRun()
        {
        }

        /// <summary>Takes the parts of a new configuration that concern this collector; called under the engine's lock.</summary>
        internal virtual void Configure(AgentConfiguration configuration)
        {
        }

        /// <summary>Writes this collector's events for one collection.</summary>
        internal abstract void Collect(SecurityMessageWriter writer);

        /// <summary>Called when collection is suspended: drop what was gathered since the last collection.</summary>
        internal virtual void Suspend()
        {
        }

        /// <summary>Called when collection resumes after a suspension.</summary>
        internal virtual void Resume()
        {
        }
    }
}
