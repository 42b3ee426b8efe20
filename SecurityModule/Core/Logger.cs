using System;

namespace NanoSecurity
{
    /// <summary>
    /// Log gate. Callers test the constants before building a line, so with ASC_LOG_LEVEL 0
    /// (the default) the compiler drops every log statement and its string building.
    /// </summary>
    internal sealed class Logger
    {
        internal const bool ErrorEnabled = AscPortConfig.LogLevel >= (int)LogLevel.Error;
        internal const bool WarningEnabled = AscPortConfig.LogLevel >= (int)LogLevel.Warning;
        internal const bool InformationEnabled = AscPortConfig.LogLevel >= (int)LogLevel.Information;

        private readonly ILogSink _sink;

        internal Logger(ILogSink sink)
        {
            _sink = sink;
        }

        internal void Write(LogLevel level, string message)
        {
            if (_sink == null)
            {
                return;
            }

            try
            {
                _sink.Write(level, message);
            }
            catch (Exception)
            {
                // A failing log port must not end the thread that was only reporting.
            }
        }
    }
}
