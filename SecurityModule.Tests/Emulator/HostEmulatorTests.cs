using System.Collections;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Build;
using NanoSecurity.Tests.Twin;
using NanoSecurity.Tests.Support;
using Xunit;

namespace NanoSecurity.Tests.Emulator
{
    /// <summary>
    /// The host emulator (Samples/HostEmulator) end to end, as CI and a user run it: the built
    /// HostEmulator.dll in a child process with --duration, --no-ui and --json-out. The solution
    /// build (and this project's build-only reference to it) builds it before the tests run.
    /// </summary>
    /// <remarks>
    /// The two runs are in separate classes, so xunit runs them side by side (~20 s together).
    /// </remarks>
    public sealed class HostEmulatorEmbeddedBrokerTests
    {
        [Fact]
        public void ADurationRunWritesValidMessagesWithTheEmulatorsOwnConnection()
        {
            using var output = new TemporaryFolder();
            EmulatorRun run = EmulatorRun.Start("--duration", "20", "--no-ui", "--json-out", output.Path);

            Assert.True(run.ExitCode == 0, "the emulator failed:\n" + run);
            Assert.Contains("result: OK", run.StandardOutput);

            // It plays the azureiotsecurity module, whose twin reports the configuration in force.
            Assert.Matches(@"identity host-emulator-[0-9a-f]{6}/azureiotsecurity\n", run.StandardOutput);
            Assert.Matches(@"(?m)^twin: reported highPriorityMessageFrequency=PT\d+S ", run.StandardOutput);

            // The emulator's SecurityModule.dll carries the demo asc_port.config, not the default one.
            foreach (KeyValuePair<string, string> setting in EmulatorRun.DemoConfig())
            {
                Assert.Contains(setting.Key + "=" + setting.Value, run.StandardOutput);
            }

            Match delivered = Regex.Match(run.StandardOutput, @"delivered: (\d+) of (\d+) accepted by the embedded broker");
            Assert.True(delivered.Success, run.ToString());
            Assert.True(int.Parse(delivered.Groups[1].Value) >= 1, run.ToString());

            // A clean run over loopback loses no PUBACK, so no message arrives twice.
            Assert.True(delivered.Value.Length > 0 && Regex.IsMatch(run.StandardOutput, @"delivered: [^\n]*, no duplicate\r?\n"), Regex.Match(run.StandardOutput, @"delivered: [^\n]*").Value);

            IReadOnlyList<byte[]> messages = EmulatorRun.ReadMessages(output.Path);
            Assert.Equal(int.Parse(delivered.Groups[2].Value), messages.Count);
            foreach (byte[] message in messages)
            {
                SecurityMessageSchema.AssertValid(message, message.Length);
            }

            // The module's MQTT connection to the embedded broker is a loopback TCP flow that
            // /proc/net/tcp shows, so the activity feed reports it.
            Match port = Regex.Match(run.StandardOutput, @"embedded IoT-Hub-rules broker on 127\.0\.0\.1:(\d+)");
            Assert.True(port.Success, run.ToString());
            List<JsonElement> flows = EmulatorRun.Flows(messages).ToList();
            Assert.True(flows.Count > 0, "no ConnectionCreate flow in " + messages.Count + " messages:\n" + run);
            Assert.True(
                flows.Any(f => f.GetProperty("Protocol").GetString() == "TCP"
                    && (f.GetProperty("RemotePort").GetString() == port.Groups[1].Value || f.GetProperty("LocalPort").GetString() == port.Groups[1].Value)),
                "no flow of the connection to the broker's port " + port.Groups[1].Value + " among:\n"
                    + string.Join("\n", flows.Select(f => f.GetRawText())));
            Assert.Contains(flows, f => f.GetProperty("Executable").GetString() == "host-emulator");
        }
    }

    /// <summary>The same run against an external broker: mosquitto over TLS, with --connection-string and --ca.</summary>
    public sealed class HostEmulatorExternalBrokerTests
    {
        [MosquittoFact]
        public async Task AConnectionStringRunDeliversTheMessagesToASubscriber()
        {
            const string Device = "emulator-e2e";
            using var certificates = TestCertificates.Create();
            using var broker = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = certificates });
            await using MqttTestSubscriber subscriber = await MqttTestSubscriber.ConnectAsync(
                MqttTestSubscriberOptions.For(broker, $"devices/{Device}/messages/events/#"));
            using var output = new TemporaryFolder();

            // mosquitto accepts any user name and password: the SAS token is built but not checked.
            string key = Convert.ToBase64String(new byte[32]);
            EmulatorRun run = EmulatorRun.Start(
                "--duration", "15", "--no-ui", "--json-out", output.Path,
                "--connection-string", $"HostName=localhost;DeviceId={Device};SharedAccessKey={key}",
                "--port", broker.Port.ToString(),
                "--ca", certificates.CaCertificateFile);

            Assert.True(run.ExitCode == 0, "the emulator failed:\n" + run + "\nmosquitto:\n" + broker.Log);
            Assert.DoesNotContain(key, run.StandardOutput + run.StandardError);

            IReadOnlyList<ReceivedMessage> received = await subscriber.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10));
            IReadOnlyList<byte[]> written = EmulatorRun.ReadMessages(output.Path);
            foreach (ReceivedMessage message in received)
            {
                Assert.Equal($"devices/{Device}/messages/events/" + SecurityMessageProperties.MqttPropertyBag, message.Topic);
                Assert.Equal(1, message.QualityOfService);
                SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);

                // What --json-out wrote is what went over the wire.
                Assert.Contains(written, body => body.AsSpan().SequenceEqual(message.Payload));
            }
        }

        [MosquittoFact]
        public void AgainstABrokerThatRefusesEveryoneTheAttemptsFollowTheBackoffSchedule()
        {
            using var certificates = TestCertificates.Create();
            using var broker = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = certificates, RefuseEveryone = true });
            string key = Convert.ToBase64String(new byte[32]);
            EmulatorRun run = EmulatorRun.Start(
                "--duration", "12", "--no-ui",
                "--connection-string", $"HostName=localhost;DeviceId=refused-device;SharedAccessKey={key}",
                "--port", broker.Port.ToString(),
                "--ca", certificates.CaCertificateFile);

            var attempts = System.Text.RegularExpressions.Regex.Matches(
                run.StandardOutput, @"IoT Hub: next connection attempt in (\d+) ms \((\d+) failed in a row, drawn from 0 to (\d+) ms\)");
            Assert.True(attempts.Count >= 2, "fewer than two refused attempts were logged:\n" + run);
            for (int i = 0; i < attempts.Count; i++)
            {
                int wait = int.Parse(attempts[i].Groups[1].Value);
                int failures = int.Parse(attempts[i].Groups[2].Value);
                int ceiling = int.Parse(attempts[i].Groups[3].Value);
                Assert.Equal(i + 1, failures);
                Assert.Equal(Math.Min(1000 << i, 60_000), ceiling);
                Assert.InRange(wait, 0, ceiling);
            }

            Assert.Matches(@"connection refused \(CONNACK [45]\)", run.StandardOutput);
        }

        [Theory]
        [InlineData("--duration", "abc", "--duration must be a whole number of seconds, at least 1, not 'abc'.")]
        [InlineData("--duration", "-3", "--duration must be a whole number of seconds, at least 1, not '-3'.")]
        [InlineData("--port", "abc", "--port must be a whole number 1..65535, not 'abc'.")]
        [InlineData("--port", "70000", "--port must be a whole number 1..65535, not '70000'.")]
        [InlineData("--connect-timeout", "abc", "--connect-timeout must be a whole number of seconds, at least 1, not 'abc'.")]
        [InlineData("--connect-timeout", "0", "--connect-timeout must be a whole number of seconds, at least 1, not '0'.")]
        [InlineData("--connect-timeout", null, "Required argument missing for option: '--connect-timeout'.")]
        [InlineData("--duration", null, "Required argument missing for option: '--duration'.")]
        public void ABadOptionValueIsOneLineAndExitCode2(string option, string value, string expected)
        {
            EmulatorRun run = value == null
                ? EmulatorRun.Start("--no-ui", option)
                : EmulatorRun.Start("--no-ui", option, value);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal("HostEmulator: " + expected + " (--help shows the options)", run.StandardError.TrimEnd('\r', '\n'));
            Assert.Equal(string.Empty, run.StandardOutput);
        }

        [Fact]
        public void ABadConnectionStringIsOneLineAndExitCode2()
        {
            EmulatorRun run = EmulatorRun.Start("--no-ui", "--duration", "5", "--connection-string", "HostName=localhost;DeviceId=d");

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal(
                "HostEmulator: bad connection string: connection string has no SharedAccessKey (expected \"HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…\")",
                run.StandardError.Trim());
        }
    }

    /// <summary>Start-up problems: each is one line on stderr with the prefix every usage error has, and exit code 2.</summary>
    public sealed class HostEmulatorStartupErrorTests
    {
        [Fact]
        public void ACaFileWithoutAPemCertificateIsNamedWithoutTheLibrarysParameter()
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "ca.txt");
            File.WriteAllText(file, "not a certificate\n");
            string key = Convert.ToBase64String(new byte[32]);
            EmulatorRun run = EmulatorRun.Start(
                "--no-ui", "--duration", "5", "--connection-string", $"HostName=localhost;DeviceId=d;SharedAccessKey={key}", "--ca", file);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal("HostEmulator: The CA certificate file '" + file + "' holds no PEM certificate.\n", run.StandardError);
            Assert.Equal(string.Empty, run.StandardOutput);
        }

        [Theory]
        [InlineData("--bogus")]
        [InlineData("--ca", "/nonexistent/ca.pem", "--connection-string", "HostName=localhost;DeviceId=d;SharedAccessKey=AAAA")]
        [InlineData("--ca", "/nonexistent/ca.pem")]
        [InlineData("--twin", "/nonexistent/twin.json")]
        [InlineData("--json-out", "/proc/self/status/x")]
        [InlineData("--connection-string", "DeviceId=d")]
        public void EveryStartupErrorIsOneLineWithTheSamePrefix(params string[] arguments)
        {
            EmulatorRun run = EmulatorRun.Start(new[] { "--no-ui", "--duration", "5" }.Concat(arguments).ToArray());

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Matches(@"^HostEmulator: [^\n]+\n$", run.StandardError);
            Assert.DoesNotContain("(Parameter '", run.StandardError);
            Assert.Equal(string.Empty, run.StandardOutput);
        }
    }

    /// <summary>--twin: the embedded broker serves FILE as the module twin's desired properties and pushes its changes.</summary>
    public sealed class HostEmulatorTwinTests
    {
        private const string Configuration = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        [Fact]
        public void TheModuleReportsTheTwinFileAndEachChangePushedWhileItRuns()
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "twin.json");
            File.WriteAllText(file, Desired("\"highPriorityMessageFrequency\":{\"value\":\"PT3S\"}"));
            int changed = 0;

            // Once the module has reported the file's value, change the file: the emulator pushes the
            // change as a merge patch, so the high priority frequency stays and the low one is added.
            EmulatorRun run = EmulatorRun.StartWatching(
                line =>
                {
                    if (line.Contains(" twin: reported highPriorityMessageFrequency=PT3S ", StringComparison.Ordinal)
                        && Interlocked.Exchange(ref changed, 1) == 0)
                    {
                        File.WriteAllText(file, Desired("\"lowPriorityMessageFrequency\":{\"value\":\"PT40S\"}"));
                    }
                },
                "--duration", "25", "--no-ui", "--twin", file);

            Assert.True(run.ExitCode == 0, "the emulator failed:\n" + run);
            Assert.Contains("twin: desired version 1 from twin.json: highPriorityMessageFrequency=PT3S\n", run.StandardOutput);
            Assert.True(changed == 1, "the module never reported PT3S:\n" + run);
            Assert.Contains("twin: pushing desired version 2 from twin.json: lowPriorityMessageFrequency=PT40S\n", run.StandardOutput);

            // Reported after the patch, and in the summary.
            Assert.Matches(@"(?m)^\d\d:\d\d:\d\d twin: reported highPriorityMessageFrequency=PT3S lowPriorityMessageFrequency=PT40S ", run.StandardOutput);
            Assert.Matches(@"(?m)^twin: reported highPriorityMessageFrequency=PT3S lowPriorityMessageFrequency=PT40S ", run.StandardOutput);
        }

        [Fact]
        public void AMissingTwinFileIsOneLineAndExitCode2()
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "missing.json");
            EmulatorRun run = EmulatorRun.Start("--no-ui", "--duration", "5", "--twin", file);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal("HostEmulator: --twin " + file + ": no such file", run.StandardError.Trim());
            Assert.Equal(string.Empty, run.StandardOutput);
        }

        [Fact]
        public void ATwinFileThatIsNotAJsonObjectIsRefused()
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "twin.json");
            File.WriteAllText(file, "[\"PT10S\"]");
            EmulatorRun run = EmulatorRun.Start("--no-ui", "--duration", "5", "--twin", file);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.StartsWith("HostEmulator: --twin " + file + ": must hold a JSON object", run.StandardError.Trim());
        }

        [Theory]
        [InlineData("{\n  \"a\": 1,\n  \"b\": x\n}\n", "not valid JSON at line 3, column 8: 'x' is an invalid start of a value.")]
        [InlineData("{\"é\": x}", "not valid JSON at line 1, column 7: 'x' is an invalid start of a value.")]
        [InlineData("{\"a\": tru\n}", "not valid JSON at line 1, column 10: 'tru\\n}' is an invalid JSON literal. Expected the literal 'true'.")]
        [InlineData("{\n  \"a\": 1,\n", "not valid JSON at line 3, column 1: Expected start of a property name or value, but instead reached end of data.")]
        public void ATwinFileThatIsNotJsonNamesTheLineAndColumnFrom1OnOneLine(string content, string expected)
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "twin.json");
            File.WriteAllText(file, content);
            EmulatorRun run = EmulatorRun.Start("--no-ui", "--duration", "5", "--twin", file);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal("HostEmulator: --twin " + file + ": " + expected + "\n", run.StandardError);
            Assert.Equal(string.Empty, run.StandardOutput);
        }

        [Fact]
        public void TwinWithAConnectionStringIsRefused()
        {
            using var folder = new TemporaryFolder();
            string file = Path.Combine(folder.Path, "twin.json");
            File.WriteAllText(file, Desired("\"highPriorityMessageFrequency\":{\"value\":\"PT3S\"}"));
            string key = Convert.ToBase64String(new byte[32]);
            EmulatorRun run = EmulatorRun.Start(
                "--no-ui", "--duration", "5", "--twin", file,
                "--connection-string", $"HostName=localhost;DeviceId=d;SharedAccessKey={key}");

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains(
                "--twin only drives the embedded broker: with --connection-string, set desired properties in the portal or with az iot hub module-twin update.",
                run.StandardError);
        }

        [Fact]
        public void TheExampleTwinFileIsValidForTheSchemaAndTheModule()
        {
            string example = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "Samples", "HostEmulator", "twin.example.json"));

            // It has the shape of the reported properties: the configuration object alone, each property {"value": …}.
            TwinSchema.AssertValidReported(example, complete: false);

            JsonObject patch = JsonNode.Parse(example)!.AsObject();
            patch["$version"] = 2;
            TwinOutcome outcome = TwinDocuments.Apply(patch.ToJsonString(), isFullTwin: false);
            Assert.True(outcome.Status == TwinUpdateStatus.Applied && outcome.Errors.Count == 0, outcome.ToString());

            // Its detection rules too, by the module itself.
            var h = new ModuleHarness();
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString());
            Assert.True(h.Module.ApplyTwin(bytes, 0, bytes.Length, false));
            Assert.Contains("\"203.0.113.0/24\"", System.Text.Encoding.UTF8.GetString(h.Module.GetReportedProperties()));
        }

        private static string Desired(string properties) => "{\"" + Configuration + "\":{" + properties + "}}";
    }

    /// <summary>One run of the built emulator.</summary>
    internal sealed class EmulatorRun
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

        private EmulatorRun(string commandLine, int exitCode, string standardOutput, string standardError)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            StandardOutput = standardOutput;
            StandardError = standardError;
        }

        public string CommandLine { get; }

        public int ExitCode { get; }

        public string StandardOutput { get; }

        public string StandardError { get; }

        /// <summary>Samples/HostEmulator/bin/{this test's configuration}/net10.0/HostEmulator.dll.</summary>
        public static string EmulatorDll
        {
            get
            {
                // The test assembly lives in SecurityModule.Tests/bin/{Configuration}/net10.0/.
                string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
                string path = Path.Combine(ProjectBuilder.RepoRoot, "Samples", "HostEmulator", "bin", configuration, "net10.0", "HostEmulator.dll");
                Assert.True(File.Exists(path), "the host emulator is not built: " + path + " (dotnet build nanoSecurity.sln builds it)");
                return path;
            }
        }

        /// <summary>The KEY = VALUE lines of Samples/HostEmulator/asc_port.config.</summary>
        public static IReadOnlyDictionary<string, string> DemoConfig()
        {
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            string path = Path.Combine(ProjectBuilder.RepoRoot, "Samples", "HostEmulator", "asc_port.config");
            foreach (string raw in File.ReadAllLines(path))
            {
                Match match = Regex.Match(raw, @"^\s*(ASC_(?:FIRST_COLLECTION|HIGH_PRIORITY|MEDIUM_PRIORITY|LOW_PRIORITY)_INTERVAL)\s*=\s*(\d+)");
                if (match.Success)
                {
                    settings[match.Groups[1].Value] = match.Groups[2].Value;
                }
            }

            Assert.Equal(4, settings.Count);
            return settings;
        }

        /// <summary>The bodies of DIR/000001.json, 000002.json, …, checking that they are numbered without gaps.</summary>
        public static IReadOnlyList<byte[]> ReadMessages(string folder)
        {
            string[] files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
            Assert.NotEmpty(files);
            for (int i = 0; i < files.Length; i++)
            {
                Assert.Equal((i + 1).ToString("D6") + ".json", files[i]);
            }

            return files.Select(f => File.ReadAllBytes(Path.Combine(folder, f))).ToArray();
        }

        /// <summary>Every payload item of every ConnectionCreate event.</summary>
        public static IEnumerable<JsonElement> Flows(IEnumerable<byte[]> messages) =>
            messages
                .SelectMany(m => JsonDocument.Parse(m).RootElement.GetProperty("Events").EnumerateArray())
                .Where(e => e.GetProperty("Name").GetString() == "ConnectionCreate")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray());

        public static EmulatorRun Start(params string[] arguments) => StartWatching(_ => { }, arguments);

        /// <summary>A run that hands each line of its standard output to <paramref name="onOutputLine"/> as it comes, on a reader thread.</summary>
        public static EmulatorRun StartWatching(Action<string> onOutputLine, params string[] arguments)
        {
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
            {
                dotnet = "dotnet";
            }

            var start = new ProcessStartInfo(dotnet)
            {
                WorkingDirectory = ProjectBuilder.RepoRoot,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            start.ArgumentList.Add(EmulatorDll);
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (name.StartsWith("VSTEST_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("TESTINGPLATFORM_", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (stdout)
                    {
                        stdout.Append(e.Data).Append('\n');
                    }

                    onOutputLine(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (stderr)
                    {
                        stderr.Append(e.Data).Append('\n');
                    }
                }
            };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string commandLine = dotnet + " " + string.Join(" ", start.ArgumentList);
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                Assert.Fail("the emulator did not end within " + Timeout + ":\n$ " + commandLine + "\n" + stdout + stderr);
            }

            // WaitForExit() without a timeout also waits for the redirected streams' end.
            process.WaitForExit();
            lock (stdout)
            {
                lock (stderr)
                {
                    return new EmulatorRun(commandLine, process.ExitCode, stdout.ToString(), stderr.ToString());
                }
            }
        }

        public override string ToString() =>
            "$ " + CommandLine + "\nexit code " + ExitCode + "\nstdout:\n" + StandardOutput + "stderr:\n" + StandardError;
    }

    /// <summary>A new temporary folder, deleted with what it holds.</summary>
    internal sealed class TemporaryFolder : IDisposable
    {
        public TemporaryFolder()
        {
            Path = Directory.CreateTempSubdirectory("nanosecurity-emulator-").FullName;
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temporary folder.
            }
        }
    }
}
