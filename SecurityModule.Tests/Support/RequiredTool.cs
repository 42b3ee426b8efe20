namespace NanoSecurity.Tests.Support
{
    /// <summary>
    /// Decides whether a test that needs an installed program (mosquitto, tmux) runs: it is
    /// skipped with a reason naming the program when the program is missing, except under
    /// <c>CI=true</c>, where <c>.ci/run</c> installs everything, so a missing program must fail
    /// the test rather than hide it.
    /// </summary>
    internal static class RequiredTool
    {
        /// <summary>Whether the environment says this is a CI run (<c>CI=true</c>, as GitHub Actions and .ci/run set it).</summary>
        public static bool IsCi =>
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        /// <summary>The skip reason for a test that needs <paramref name="tool"/>; null when it must run.</summary>
        /// <param name="tool">The program, as the reason names it.</param>
        /// <param name="installed">Whether it is installed here.</param>
        /// <param name="install">How to install it.</param>
        /// <param name="isCi">Whether this is a CI run (<see cref="IsCi"/>).</param>
        public static string SkipReason(string tool, bool installed, string install, bool isCi) =>
            installed || isCi
                ? null
                : $"needs {tool}, which is not installed: {install}. Skipped here; with CI=true this test runs and fails instead.";
    }
}
