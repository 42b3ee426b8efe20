using System;

namespace NanoSecurity.Testing
{
    /// <summary>The outcome of one nested <c>dotnet</c> run.</summary>
    public sealed class BuildResult
    {
        /// <summary>Creates a result.</summary>
        public BuildResult(string commandLine, int exitCode, string output, TimeSpan elapsed)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            Output = output;
            Elapsed = elapsed;
        }

        /// <summary>The command as run, with its folder.</summary>
        public string CommandLine { get; }

        /// <summary>The process exit code.</summary>
        public int ExitCode { get; }

        /// <summary>stdout and stderr, interleaved as they came.</summary>
        public string Output { get; }

        /// <summary>How long it ran.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>True when the exit code is 0.</summary>
        public bool Succeeded => ExitCode == 0;

        /// <summary>The command, exit code, time and output, for a failure message.</summary>
        public override string ToString()
        {
            return "$ " + CommandLine + "\nexit code " + ExitCode + " after " + Elapsed.TotalSeconds.ToString("0.0") + " s\n" + Output;
        }
    }
}
