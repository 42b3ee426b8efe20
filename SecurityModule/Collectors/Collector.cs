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
