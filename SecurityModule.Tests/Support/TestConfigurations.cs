namespace NanoSecurity.Tests
{
    /// <summary>Agent configurations the tests put in force.</summary>
    internal static class TestConfigurations
    {
        /// <summary>
        /// ThreadX's cadence: every collection sends what it queued, snapshots come at every run of
        /// their group, and flows are drained at every high priority collection. Tests written
        /// against one message per collection use it; the twin's cadence has tests of its own.
        /// </summary>
        public static AgentConfiguration EveryCollection()
        {
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.HighPriorityMessageFrequency = 0;
            configuration.LowPriorityMessageFrequency = 0;
            configuration.SnapshotFrequency = 0;
            configuration.AggregationEnabledConnectionCreate = false;
            return configuration;
        }
    }
}
