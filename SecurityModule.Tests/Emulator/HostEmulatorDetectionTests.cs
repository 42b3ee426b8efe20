using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace NanoSecurity.Tests.Emulator
{
    /// <summary>End to end through the built emulator: a twin file that denies loopback turns the module's own broker connection into a detection.</summary>
    public sealed class HostEmulatorDetectionTests
    {
        [Fact]
        public void DenyingLoopbackMakesTheBrokerConnectionADetectionInJsonOut()
        {
            if (!File.Exists("/proc/net/tcp"))
            {
                // Without /proc/net the feed records nothing: this test has nothing to observe.
                return;
            }

            using var folder = new TemporaryFolder();
            using var output = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "twin.json");
            File.WriteAllText(file, "{\"nanoSecurity:DetectionConfiguration\":{\"deniedRemoteAddresses\":{\"value\":[\"127.0.0.0/8\"]}}}");

            EmulatorRun run = EmulatorRun.Start("--duration", "20", "--no-ui", "--twin", file, "--json-out", output.Path);

            Assert.True(run.ExitCode == 0, "the emulator failed:\n" + run);
            Match port = Regex.Match(run.StandardOutput, @"embedded IoT-Hub-rules broker on 127\.0\.0\.1:(\d+)");
            Assert.True(port.Success, run.ToString());

            IReadOnlyList<byte[]> messages = EmulatorRun.ReadMessages(output.Path);
            foreach (byte[] message in messages)
            {
                SecurityMessageSchema.AssertValid(message, message.Length);
            }

            List<JsonElement> detections = messages
                .SelectMany(m => JsonDocument.Parse(m).RootElement.GetProperty("Events").EnumerateArray())
                .Where(e => e.GetProperty("Name").GetString() == "Diagnostic")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .ToList();
            Assert.True(
                detections.Any(d => d.GetProperty("ExtraDetails").GetProperty("Detection").GetString() == "DeniedRemoteAddress"
                    && d.GetProperty("ExtraDetails").GetProperty("Rule").GetString() == "127.0.0.0/8"
                    && (d.GetProperty("ExtraDetails").GetProperty("RemotePort").GetString() == port.Groups[1].Value
                        || d.GetProperty("ExtraDetails").GetProperty("LocalPort").GetString() == port.Groups[1].Value)),
                "no detection of the connection to the broker's port " + port.Groups[1].Value + " in " + messages.Count + " messages:\n" + run);

            // The plain log shows it prominently.
            Assert.Matches(@"(?m)^\d\d:\d\d:\d\d DETECTION DeniedRemoteAddress \(127\.0\.0\.0/8\): ", run.StandardOutput);
        }
    }
}
