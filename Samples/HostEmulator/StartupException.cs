using System;

namespace NanoSecurity.HostEmulator
{
    /// <summary>A start-up problem: reported as one line on stderr, exit code 2.</summary>
    internal sealed class StartupException : Exception
    {
        public StartupException(string message)
            : base(message)
        {
        }
    }
}
