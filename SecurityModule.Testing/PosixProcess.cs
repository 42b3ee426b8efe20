using System.Runtime.InteropServices;

namespace NanoSecurity.Testing
{
    /// <summary>The two POSIX calls .NET does not offer: a graceful SIGTERM by pid, and the effective uid.</summary>
    internal static class PosixProcess
    {
        private const int SigTerm = 15;

        /// <summary>Sends SIGTERM to one process, by its id.</summary>
        /// <returns>True when the signal was sent.</returns>
        public static bool Terminate(int processId) => kill(processId, SigTerm) == 0;

        /// <summary>Whether this process runs as root (effective uid 0).</summary>
        public static bool IsRoot() => geteuid() == 0;

        // DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks for no gain on two int calls.
        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}
