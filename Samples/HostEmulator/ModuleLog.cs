using System;
using System.Collections.Generic;

namespace NanoSecurity.HostEmulator
{
    /// <summary>One line the module logged.</summary>
    /// <param name="At">Local time it was written.</param>
    /// <param name="Level">Its severity.</param>
    /// <param name="Text">The text.</param>
    internal sealed record LogLine(DateTime At, LogLevel Level, string Text);

    /// <summary>
    /// The module's <see cref="ILogSink"/>: keeps the recent lines for the views, and the last
    /// error, which is how a failed connection is reported at start-up (the demo asc_port.config
    /// compiles log lines in up to ASC_LOG_LEVEL 4).
    /// </summary>
    internal sealed class ModuleLog : ILogSink
    {
        private const int Kept = 200;

        private readonly object _sync = new object();
        private readonly List<LogLine> _lines = new List<LogLine>();
        private string? _lastError;

        /// <summary>Raised for every line, on the module's thread.</summary>
        public event Action<LogLine>? LineWritten;

        /// <summary>The text of the last Error or Fatal line; null when none.</summary>
        public string? LastError
        {
            get
            {
                lock (_sync)
                {
                    return _lastError;
                }
            }
        }

        /// <inheritdoc />
        public void Write(LogLevel level, string message)
        {
            var line = new LogLine(DateTime.Now, level, message);
            lock (_sync)
            {
                _lines.Add(line);
                if (_lines.Count > Kept)
                {
                    _lines.RemoveAt(0);
                }

                if (level <= LogLevel.Error)
                {
                    _lastError = message;
                }
            }

            LineWritten?.Invoke(line);
        }

        /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
        public IReadOnlyList<LogLine> Last(int count)
        {
            lock (_sync)
            {
                int start = Math.Max(0, _lines.Count - count);
                return _lines.GetRange(start, _lines.Count - start).ToArray();
            }
        }
    }
}
