using NanoSecurity.Testing;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// The asc_port.config build step (build/AscPortConfig.targets): its constants, its
    /// conditional compilation symbols, its aliases and its errors, through real builds.
    /// </summary>
    [Collection(BuildSandboxCollection.Name)]
    public sealed class AscPortConfigBuildTests
    {
        private readonly BuildSandbox _sandbox;
        private readonly ITestOutputHelper _output;

        public AscPortConfigBuildTests(BuildSandbox sandbox, ITestOutputHelper output)
        {
            _sandbox = sandbox;
            _output = output;
        }

        [Fact]
        public void TheMinimalBuildGeneratesTheConstantsOfTheMinimalFile()
        {
            _ = _sandbox.Minimal;
            string generated = File.ReadAllText(_sandbox.MinimalGeneratedSource);
            IReadOnlyDictionary<string, string> file = ReadConfig(_sandbox.MinimalConfig);

            // The two the brief names, spelled out.
            Assert.Contains(
                "internal const int CollectorNetworkActivityMaxIpv4ObjectsInCache = " + file["ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV4_OBJECTS_IN_CACHE"] + ";",
                generated);
            Assert.Contains(
                "internal const string SecurityModuleId = " + file["ASC_SECURITY_MODULE_ID"] + ";",
                generated);
            Assert.Contains("internal const bool CollectorNetworkActivityEnabled = false;", generated);
            Assert.Contains("internal const bool CollectorListeningPortsEnabled = false;", generated);

            // And every other key the file sets.
            Assert.True(file.Count >= 10, "the minimal config sets only " + file.Count + " keys");
            foreach (var pair in file)
            {
                string line = "internal const " + TypeOf(pair.Value) + " " + PascalCase(pair.Key) + " = " + Literal(pair.Value) + ";";
                Assert.True(generated.Contains(line), "missing `" + line + "` in " + _sandbox.MinimalGeneratedSource + ":\n" + generated);
            }

            // The default build's constants are the repository's asc_port.config, not the minimal file's.
            Assert.NotEqual(file["ASC_MAX_MESSAGE_SIZE"], ReadConfig(Path.Combine(ProjectBuilder.RepoRoot, "asc_port.config"))["ASC_MAX_MESSAGE_SIZE"]);
        }

        [Fact]
        public void AMalformedConfigFailsTheBuildNamingFileAndLineOfEachMistake()
        {
            string config = _sandbox.WriteConfig(
                "malformed.config",
                "# One mistake on each odd line from 3 on: the build names every one of them.",
                "ASC_LOG_LEVEL = 1",
                "ASC_NO_SUCH_KEY = 1",
                "",
                "ASC_COLLECTOR_HEARTBEAT_ENABLED = maybe",
                "ASC_HIGH_PRIORITY_INTERVAL = 10   # fine",
                "ASC_COLLECTOR_LISTENING_PORTS_MAX_OBJECTS = 5000",
                "ASC_MAX_MESSAGE_SIZE = 8192",
                "ASC_LOG_LEVEL = 2",
                "",
                "ASC_LOCAL_CACHE_SIZE = 4096",
                "",
                "ASC_LOW_PRIORITY_MESSAGE_FREQUENCY = 300",
                "ASC_HIGH_PRIORITY_MESSAGE_FREQUENCY = 600",
                "ASC_AGGREGATION_INTERVAL = 2592001",
                "ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV6_OBJECTS_IN_CACHE = 8   # fine",
                "ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_REFUSED_FLOWS = 4097");
            BuildResult build = _sandbox.Build("Malformed", config);
            _output.WriteLine(build.ToString());

            Assert.False(build.Succeeded, "a malformed config built:\n" + build);
            AssertError(build, config, 3, "unknown key 'ASC_NO_SUCH_KEY'");
            AssertError(build, config, 5, "ASC_COLLECTOR_HEARTBEAT_ENABLED takes true or false, found 'maybe'");
            AssertError(build, config, 7, "ASC_COLLECTOR_LISTENING_PORTS_MAX_OBJECTS = 5000 is out of range 1..1024");
            AssertError(build, config, 9, "'ASC_LOG_LEVEL' is already set on line 2");
            AssertError(build, config, 11, "ASC_LOCAL_CACHE_SIZE = 4096 must be at least ASC_MAX_MESSAGE_SIZE = 8192");
            AssertError(build, config, 13, "ASC_LOW_PRIORITY_MESSAGE_FREQUENCY = 300 must be at least ASC_HIGH_PRIORITY_MESSAGE_FREQUENCY = 600");
            AssertError(build, config, 15, "ASC_AGGREGATION_INTERVAL = 2592001 is out of range 0..2592000");
            AssertError(build, config, 17, "ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_REFUSED_FLOWS = 4097 is out of range 0..4096");
            Assert.DoesNotContain(config + "(6)", build.Output);
            Assert.DoesNotContain(config + "(8)", build.Output);
            Assert.DoesNotContain(config + "(14)", build.Output);
            Assert.DoesNotContain(config + "(16)", build.Output);

            // The build stopped at the config step: nothing was compiled.
            Assert.False(File.Exists(_sandbox.Dll("Malformed")), "a DLL was built from a malformed config");
        }

        [Fact]
        public void AMessageSizeAboveTheDefaultCacheSizeIsReportedOnItsLine()
        {
            // ASC_LOCAL_CACHE_SIZE keeps its default (16384): the error names the line that
            // raised ASC_MAX_MESSAGE_SIZE above it. A duplicate whose first value was bad is
            // still reported as a duplicate.
            string config = _sandbox.WriteConfig(
                "bigmessage.config",
                "ASC_LOG_LEVEL = 9",
                "ASC_MAX_MESSAGE_SIZE = 32768",
                "ASC_LOG_LEVEL = 1");
            BuildResult build = _sandbox.Build("BigMessage", config);
            _output.WriteLine(build.ToString());

            Assert.False(build.Succeeded, "the config built:\n" + build);
            AssertError(build, config, 1, "ASC_LOG_LEVEL = 9 is out of range 0..5");
            AssertError(build, config, 2, "ASC_LOCAL_CACHE_SIZE = 16384 must be at least ASC_MAX_MESSAGE_SIZE = 32768");
            AssertError(build, config, 3, "'ASC_LOG_LEVEL' is already set on line 1");
            Assert.DoesNotContain(config + ": error", build.Output);
        }

        [Fact]
        public void AMissingConfigFileFailsTheBuild()
        {
            string config = Path.Combine(_sandbox.Root, "configs", "no-such-file.config");
            BuildResult build = _sandbox.Build("Missing", config);
            _output.WriteLine(build.ToString());

            Assert.False(build.Succeeded, "a build with a missing config file succeeded:\n" + build);
            Assert.Contains("error ASC000: asc_port.config not found: " + config, build.Output);
            Assert.False(File.Exists(_sandbox.Dll("Missing")));
        }

        [Fact]
        public void TheHeartbeatAliasCompilesItOutAndAnIncrementalBuildSeesTheFileChange()
        {
            string config = _sandbox.WriteConfig(
                "alias.config",
                "# The 2020 docs' CMake-style name of ASC_COLLECTOR_HEARTBEAT_ENABLED.",
                "collector_heartbeat_enabled = OFF");
            BuildResult first = _sandbox.Build("Alias", config);
            _output.WriteLine(first.ToString());
            Assert.True(first.Succeeded, "the build with the alias failed:\n" + first);

            ISet<string> types = AssemblyMetadata.TypeDefinitions(_sandbox.Dll("Alias"));
            Assert.DoesNotContain(DeviceBuildTests.HeartbeatType, types);
            foreach (string type in DeviceBuildTests.AllCollectorTypes.Where(t => t != DeviceBuildTests.HeartbeatType))
            {
                Assert.Contains(type, types);
            }

            Assert.Contains("internal const bool CollectorHeartbeatEnabled = false;", File.ReadAllText(_sandbox.GeneratedSource("Alias")));

            // Same file, same path, new content; an incremental build in the same folders
            // must pick it up: a new constant and the collector compiled back in.
            File.WriteAllText(config, "collector_heartbeat_enabled = ON\nASC_LOW_PRIORITY_INTERVAL = 120\n");
            BuildResult second = _sandbox.Build("Alias", config);
            _output.WriteLine(second.ToString());
            Assert.True(second.Succeeded, "the incremental build failed:\n" + second);

            string generated = File.ReadAllText(_sandbox.GeneratedSource("Alias"));
            Assert.Contains("internal const bool CollectorHeartbeatEnabled = true;", generated);
            Assert.Contains("internal const int LowPriorityInterval = 120;", generated);
            Assert.Contains(DeviceBuildTests.HeartbeatType, AssemblyMetadata.TypeDefinitions(_sandbox.Dll("Alias")));
        }

        [Theory]
        [InlineData("SecurityModule/SecurityModule.csproj")]
        [InlineData("SecurityModule/SecurityModule.nfproj")]
        [InlineData("targets/nanoFramework/NanoSecurity.Targets.nanoFramework.nfproj")]
        [InlineData("Samples/Esp32Firmware/Esp32Firmware.nfproj")]
        public void TheProjectSystemSeesTheSymbolsOfTheFileWithoutRunningATarget(string project)
        {
            // -getProperty without -t evaluates the project only, as a design-time evaluation does
            // (IntelliSense greys out an #if whose symbol is missing here). The expected symbols
            // come from the constants the build task generated from the same file.
            _ = _sandbox.Minimal;
            BuildResult evaluation = IsolatedBuild.RunDotnet(ProjectBuilder.RepoRoot, new[]
            {
                "msbuild", project, "-nologo", "-getProperty:DefineConstants", "-p:AscPortConfig=" + _sandbox.MinimalConfig,
            });
            Assert.True(evaluation.Succeeded, evaluation.ToString());

            var evaluated = new SortedSet<string>(
                evaluation.Output.Trim().Split(';').Where(s => s.StartsWith("ASC_", StringComparison.Ordinal)).Select(PascalCase),
                StringComparer.Ordinal);
            var generated = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string line in File.ReadAllLines(_sandbox.MinimalGeneratedSource))
            {
                string trimmed = line.Trim();
                if (trimmed.StartsWith("internal const bool ", StringComparison.Ordinal) && trimmed.EndsWith(" = true;", StringComparison.Ordinal))
                {
                    generated.Add(trimmed.Substring("internal const bool ".Length, trimmed.Length - "internal const bool ".Length - " = true;".Length));
                }
            }

            Assert.Contains("CollectorHeartbeatEnabled", generated);
            Assert.DoesNotContain("CollectorNetworkActivityEnabled", generated);
            Assert.Equal(string.Join(",", generated), string.Join(",", evaluated));
        }

        [Fact]
        public void ABooleanKeyMissingFromTheEvaluationListFailsTheBuild()
        {
            string root = Path.Combine(Path.GetTempPath(), "nanosecurity-symbols-" + Guid.NewGuid().ToString("N"));
            try
            {
                string project = ProjectBuilder.CopySecurityModule(root);
                string props = Path.Combine(root, "build", "AscPortConfigSymbols.props");
                string[] lines = File.ReadAllLines(props);
                File.WriteAllLines(props, lines.Where(l => !l.Contains(";ASC_DETECTIONS_ALLOW_LOOPBACK<", StringComparison.Ordinal)));
                Assert.NotEqual(lines.Length, File.ReadAllLines(props).Length);

                BuildResult build = ProjectBuilder.Build(project);
                _output.WriteLine(build.ToString());
                Assert.False(build.Succeeded);
                Assert.Contains("error ASC100:", build.Output);
                Assert.Contains("ASC_DETECTIONS_ALLOW_LOOPBACK", build.Output);
            }
            finally
            {
                Directory.Delete(root, true);
            }
        }

        internal static void AssertError(BuildResult build, string config, int line, string message)
        {
            string expected = config + "(" + line + "): error ASC001: " + message;
            Assert.True(build.Output.Contains(expected), "expected `" + expected + "` in:\n" + build);
        }

        /// <summary>KEY = VALUE lines, read independently of the build task.</summary>
        private static IReadOnlyDictionary<string, string> ReadConfig(string path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in File.ReadAllLines(path))
            {
                string line = raw;
                bool quoted = false;
                for (int i = 0; i < line.Length; i++)
                {
                    if (line[i] == '"')
                    {
                        quoted = !quoted;
                    }
                    else if (line[i] == '#' && !quoted)
                    {
                        line = line.Substring(0, i);
                        break;
                    }
                }

                line = line.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                int eq = line.IndexOf('=');
                values.Add(line.Substring(0, eq).Trim(), line.Substring(eq + 1).Trim());
            }

            return values;
        }

        private static string TypeOf(string value)
        {
            if (value.StartsWith('"'))
            {
                return "string";
            }

            return Bool(value) != null ? "bool" : "int";
        }

        private static string Literal(string value)
        {
            return Bool(value) ?? value;
        }

        private static string Bool(string value)
        {
            switch (value.ToLowerInvariant())
            {
                case "true": case "on": case "yes": return "true";
                case "false": case "off": case "no": return "false";
                default: return null;
            }
        }

        private static string PascalCase(string key)
        {
            Assert.StartsWith("ASC_", key);
            var sb = new StringBuilder();
            foreach (string part in key.Substring(4).Split('_'))
            {
                sb.Append(part[0]).Append(part.Substring(1).ToLowerInvariant());
            }

            return sb.ToString();
        }
    }
}
