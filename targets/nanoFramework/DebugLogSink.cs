using System.Diagnostics;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// Module log lines to <see cref="Debug.WriteLine(string)"/> (mscorlib): the Visual Studio
    /// output window while debugging. Lines above ASC_LOG_LEVEL are compiled out of the module
    /// and never arrive here.
    /// </summary>
    public sealed class DebugLogSink : ILogSink
    {
        private static readonly string[] Prefixes = { "[asc] ", "[asc] FATAL ", "[asc] ERROR ", "[asc] WARN ", "[asc] INFO ", "[asc] DEBUG " };

        /// <inheritdoc/>
        public void Write(LogLevel level, string message)
        {
            int index = (int)level;
            string prefix = index >= 0 && index < Prefixes.Length ? Prefixes[index] : Prefixes[0];
            Debug.WriteLine(prefix + message);
        }
    }
}
