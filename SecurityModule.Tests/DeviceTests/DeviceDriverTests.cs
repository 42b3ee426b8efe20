using NanoSecurity.DeviceTests;
using Xunit;

namespace NanoSecurity.Tests.DeviceTests
{
    /// <summary>
    /// Runs the device-test driver (the program that runs on nanoCLR) under .NET: the same
    /// self-checks then guard both runtimes. Its expected messages are judged by Microsoft's
    /// schemas here, so that a wrong expectation cannot pass on both.
    /// </summary>
    public class DeviceDriverTests
    {
        [Fact]
        public void EveryCheckPassesUnderDotNet()
        {
            var output = new LineList();
            int failures = DeviceTestRunner.Run(output, false);

            string[] failed = output.Lines.Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToArray();
            Assert.True(failed.Length == 0, string.Join("\n", failed));
            Assert.Equal(0, failures);
            Assert.Equal(DeviceTestRunner.Sentinel, output.Lines[^1]);
            Assert.Matches(@"^[1-9][0-9]* passed, 0 failed$", output.Lines[^2]);
            int passed = output.Lines.Count(l => l.StartsWith("PASS ", StringComparison.Ordinal));
            Assert.Equal(passed + " passed, 0 failed", output.Lines[^2]);
        }

        [Fact]
        public void TheTimingsRunAndPrintAFigureEach()
        {
            var output = new LineList();
            DeviceTestRunner.Run(output, true);

            string[] times = output.Lines.Where(l => l.StartsWith("TIME ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(7, times.Length);
            Assert.All(times, t => Assert.Matches(@"^TIME [a-z0-9-]+ [0-9]+ ns/[a-z]+ \([0-9]+ runs\)$", t));
        }

        [Fact]
        public void TheExpectedMessagesAreValidSecurityMessages()
        {
            string[] expected = MessageChecks.Expected();
            Assert.NotEmpty(expected);
            foreach (string message in expected)
            {
                SecurityMessageSchema.AssertValid(message);
            }
        }

        [Fact]
        public void TheExpectedReportedDocumentIsValidAgainstTheTwinSchema()
        {
            Twin.TwinSchema.AssertValidReported(TwinChecks.ReportedDefaults);
        }

        [Fact]
        public void AFailingCheckIsPrintedAndCounted()
        {
            var output = new LineList();
            var check = new Check(output) { Group = "demo" };
            check.Equal("same", "a", "a");
            check.Equal("differs", "x\U0001F600", "y");

            Assert.Equal(1, check.Passed);
            Assert.Equal(1, check.Failed);
            Assert.Equal(new[] { "PASS demo.same", "FAIL demo.differs: expected \"x\\ud83d\\ude00\" got \"y\"" }, output.Lines);
        }

        private sealed class LineList : IDeviceTestOutput
        {
            public List<string> Lines { get; } = new List<string>();

            public void WriteLine(string line) => Lines.Add(line);
        }
    }
}
