using System.Diagnostics;
using Xunit;

namespace NanoSecurity.Tests.DeviceTests
{
    /// <summary>tools/run-on-nanoclr.sh refuses bad options with one line and exit code 2, before building anything.</summary>
    public class RunOnNanoClrScriptTests
    {
        [Theory]
        [InlineData(new string[0], "usage: ")]
        [InlineData(new[] { "--nanoclr", "/nonexistent/nanoclr", "--mdp", "/nonexistent/mdp.dll" }, "run-on-nanoclr: --nanoclr '/nonexistent/nanoclr' is not an executable file")]
        [InlineData(new[] { "--nanoclr", "/bin/true", "--mdp", "/nonexistent/mdp.dll" }, "run-on-nanoclr: --mdp '/nonexistent/mdp.dll' does not exist")]
        [InlineData(new[] { "--nanoclr", "/bin/true", "--mdp", "/bin/true", "--timeout", "soon" }, "run-on-nanoclr: --timeout 'soon' is not a whole number of seconds")]
        [InlineData(new[] { "--verbose" }, "run-on-nanoclr: unknown option '--verbose'")]
        public void BadOptionsExitWithTwo(string[] arguments, string firstLine)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(Build.ProjectBuilder.RepoRoot, "tools", "run-on-nanoclr.sh"));
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();

            Assert.Equal(2, process.ExitCode);
            Assert.Equal("", stdout);
            Assert.StartsWith(firstLine, stderr);
            Assert.DoesNotContain("building", stderr);
        }
    }
}
