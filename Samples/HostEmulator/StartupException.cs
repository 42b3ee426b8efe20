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

        /// <summary>
        /// An argument error's message without the " (Parameter '…')" that .NET appends: the
        /// parameter is the library's, not anything the user typed.
        /// </summary>
        public static string Reason(ArgumentException e) =>
            e.ParamName == null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
    }
}
