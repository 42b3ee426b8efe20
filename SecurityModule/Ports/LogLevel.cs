namespace NanoSecurity
{
    /// <summary>
    /// Log severities, numbered as ThreadX ASC_LOG_LEVEL.
    /// </summary>
    public enum LogLevel
    {
        /// <summary>Unrecoverable.</summary>
        Fatal = 1,

        /// <summary>An operation failed.</summary>
        Error = 2,

        /// <summary>Something was lost or refused.</summary>
        Warning = 3,

        /// <summary>State changes.</summary>
        Information = 4,

        /// <summary>Everything else.</summary>
        Debug = 5,
    }
}
