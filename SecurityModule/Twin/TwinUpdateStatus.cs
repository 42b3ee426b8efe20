namespace NanoSecurity
{
    /// <summary>What <see cref="TwinConfigurationParser.Apply"/> did with a twin document.</summary>
    internal enum TwinUpdateStatus
    {
        /// <summary>
        /// The document was accepted and the configuration now follows it (it may be the same as
        /// before). Warnings (NotOptimal, a clamped size) may have been recorded.
        /// </summary>
        Applied,

        /// <summary>
        /// The document or one of its values is invalid: errors were recorded and the
        /// configuration is unchanged.
        /// </summary>
        Rejected,

        /// <summary>
        /// A desired patch no newer than the last version seen: ignored, nothing recorded.
        /// </summary>
        Stale,
    }
}
