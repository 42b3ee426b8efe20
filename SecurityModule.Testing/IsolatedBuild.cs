using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using System.Diagnostics;
using System.Text;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// Builds SecurityModule with another asc_port.config in a child <c>dotnet</c> process, on a copy
    /// that lives outside the solution so that the solution's bin/ and obj/ stay as they are. Used
    /// by the build tests and by the footprint report.
    /// </summary>
    public static class IsolatedBuild
    {
        /// <summary>Longest a nested build may take.</summary>
        public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

        /// <summary>The folder holding nanoSecurity.sln, found by walking up from <paramref name="start"/>.</summary>
        public static string FindRepoRoot(string start)
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "nanoSecurity.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("no nanoSecurity.sln above " + start);
        }

        /// <summary>
        /// Copies what building SecurityModule needs (the project without its bin/ and obj/,
        /// build/, asc_port.config, the README the package carries and the root files MSBuild and NuGet look up) into
        /// <paramref name="destination"/> from the repository at <paramref name="root"/>, and returns the path of the copied project.
        /// </summary>
        public static string CopySecurityModule(string root, string destination)
        {
            Directory.CreateDirectory(destination);
            CopyDirectory(Path.Combine(root, "SecurityModule"), Path.Combine(destination, "SecurityModule"), topLevelSkip: new[] { "bin", "obj" });
            CopyDirectory(Path.Combine(root, "build"), Path.Combine(destination, "build"), topLevelSkip: new[] { "bin", "obj" });
            foreach (string file in Directory.EnumerateFiles(root))
            {
                string name = Path.GetFileName(file);
                if (name == "asc_port.config"
                    || name == "global.json"
                    || name == "README.md"
                    || name.Equals("NuGet.config", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("Directory.Build.", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("Directory.Packages.", StringComparison.OrdinalIgnoreCase))
                {
                    File.Copy(file, Path.Combine(destination, name));
                }
            }

            return Path.Combine(destination, "SecurityModule", "SecurityModule.csproj");
        }

        /// <summary><c>dotnet build PROJECT --nologo -v q -nodeReuse:false ARGS</c>.</summary>
        public static BuildResult Build(string project, params string[] arguments)
        {
            var all = new List<string> { "build", project, "--nologo", "-v", "q", "-nodeReuse:false" };
            all.AddRange(arguments);
            return RunDotnet(Path.GetDirectoryName(Path.GetFullPath(project))!, all);
        }

        /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>, with stdout and stderr captured together.</summary>
        public static BuildResult RunDotnet(string workingDirectory, IEnumerable<string> arguments)
        {
            // Run from `dotnet test` or `dotnet run`, whose MSBuild left its own locations in the
            // environment: a nested dotnet must find its SDK by itself.
            string? dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
            {
                dotnet = "dotnet";
            }

            var start = new ProcessStartInfo(dotnet)
            {
                WorkingDirectory = workingDirectory,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                CreateNoWindow = true,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("_MSBuild", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("VSTEST_", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("TESTINGPLATFORM_", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

            var output = new StringBuilder();
            var sync = new object();
            var stopwatch = Stopwatch.StartNew();
            using var process = new Process { StartInfo = start };
            DataReceivedEventHandler append = (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (sync)
                    {
                        output.Append(e.Data).Append('\n');
                    }
                }
            };
            process.OutputDataReceived += append;
            process.ErrorDataReceived += append;
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string commandLine = dotnet + " " + string.Join(" ", start.ArgumentList) + "   (in " + workingDirectory + ")";
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                lock (sync)
                {
                    throw new TimeoutException("the nested build did not end within " + Timeout + ":\n$ " + commandLine + "\n" + output);
                }
            }

            // A build server the build left behind may hold the pipes open: the process has
            // ended, so give its remaining output a moment and go on without waiting for EOF.
            Task.WaitAll(new Task[] { Task.Run(() => process.WaitForExit()) }, TimeSpan.FromSeconds(10));
            stopwatch.Stop();
            lock (sync)
            {
                return new BuildResult(commandLine, process.ExitCode, output.ToString(), stopwatch.Elapsed);
            }
        }

        private static void CopyDirectory(string source, string destination, string[] topLevelSkip)
        {
            Directory.CreateDirectory(destination);
            foreach (string file in Directory.EnumerateFiles(source))
            {
                File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
            }

            foreach (string dir in Directory.EnumerateDirectories(source))
            {
                string name = Path.GetFileName(dir);
                if (Array.IndexOf(topLevelSkip, name) < 0)
                {
                    CopyDirectory(dir, Path.Combine(destination, name), Array.Empty<string>());
                }
            }
        }
    }
}
