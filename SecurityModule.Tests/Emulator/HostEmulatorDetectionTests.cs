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
            string brokerPort = port.Groups[1].Value;
            List<JsonElement> denied = detections
                .Where(d => d.GetProperty("ExtraDetails").GetProperty("Detection").GetString() == "DeniedRemoteAddress"
                    && d.GetProperty("ExtraDetails").GetProperty("Rule").GetString() == "127.0.0.0/8")
                .ToList();
            Assert.True(denied.Count > 0, "no DeniedRemoteAddress detection for 127.0.0.0/8 in " + messages.Count + " messages:\n" + run);
            Assert.All(denied, d => Assert.StartsWith("127.", d.GetProperty("ExtraDetails").GetProperty("RemoteAddress").GetString()));

            // The detection is rate-limited per rule and remote address, and the feed sees every
            // loopback socket of the machine: when another test's loopback connection came first,
            // the broker connection's detection is held back behind it. Then the broker connection
            // must still be among the flows the module recorded.
            bool brokerNamed = denied.Any(d => d.GetProperty("ExtraDetails").GetProperty("RemotePort").GetString() == brokerPort
                || d.GetProperty("ExtraDetails").GetProperty("LocalPort").GetString() == brokerPort);
            List<JsonElement> loopback = EmulatorRun.Flows(messages)
                .Where(f => f.GetProperty("RemoteAddress").GetString()!.StartsWith("127.", StringComparison.Ordinal))
                .ToList();
            bool IsBroker(JsonElement f) => f.GetProperty("RemotePort").GetString() == brokerPort || f.GetProperty("LocalPort").GetString() == brokerPort;
            Assert.True(loopback.Any(IsBroker), "no flow of the connection to the broker's port " + brokerPort + ":\n" + run);
            Assert.True(
                brokerNamed || loopback.Any(f => !IsBroker(f)),
                "no detection of the connection to the broker's port " + brokerPort + ", and no other loopback flow it could be held behind, in " + messages.Count + " messages:\n" + run);

            // The plain log shows it prominently.
            Assert.Matches(@"(?m)^\d\d:\d\d:\d\d DETECTION DeniedRemoteAddress \(127\.0\.0\.0/8\): ", run.StandardOutput);
        }
    }
}
