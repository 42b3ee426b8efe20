namespace NanoSecurity
{
    /// <summary>
    /// Where the module's log lines go (Debug output, a console, a UART). Lines below
    /// ASC_LOG_LEVEL are compiled out and never reach it.
    /// </summary>
    public interface ILogSink
    {
        /// <summary>Writes one line.</summary>
        /// <param name="level">Severity of the line.</param>
        /// <param name="message">The text.</param>
        void Write(LogLevel level, string message);
    }
}
