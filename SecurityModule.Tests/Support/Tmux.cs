using System.Diagnostics;

namespace NanoSecurity.Tests.Support
{
    /// <summary>A private tmux server (its own socket) with one detached session of a fixed size.</summary>
    internal sealed class Tmux : IDisposable
    {
        private readonly string _socket = "nanosecurity-test-" + Guid.NewGuid().ToString("N").Substring(0, 8);

        /// <summary>Whether tmux is on PATH.</summary>
        public static bool IsInstalled => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "tmux")));

        /// <summary>Starts <paramref name="command"/> in a detached session of <paramref name="width"/>×<paramref name="height"/>.</summary>
        public void Start(int width, int height, string command)
        {
            Run("new-session", "-d", "-x", width.ToString(), "-y", height.ToString(), command);
        }

        /// <summary>The visible screen, one string per line.</summary>
        public string[] Capture() => Run("capture-pane", "-p").Split('\n');

        public void Dispose()
        {
            try
            {
                Run("kill-server");
            }
            catch (InvalidOperationException)
            {
                // the server already ended with its last session
            }
        }

        private string Run(params string[] arguments)
        {
            var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-L");
            start.ArgumentList.Add(_socket);
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("tmux " + string.Join(" ", arguments) + " failed: " + error);
            }

            return output;
        }
    }
}
