using NanoSecurity.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Build
{
    /// <summary>The detection keys of asc_port.config, through real builds: rules checked at build time, the feature compiled out.</summary>
    [Collection(BuildSandboxCollection.Name)]
    public sealed class DetectionBuildTests
    {
        private static readonly string[] DetectionTypes = { "NanoSecurity.EdgeDetector", "NanoSecurity.DetectionCollector", "NanoSecurity.CidrRange", "NanoSecurity.IDetectionObserver" };

        private readonly BuildSandbox _sandbox;
        private readonly ITestOutputHelper _output;

        public DetectionBuildTests(BuildSandbox sandbox, ITestOutputHelper output)
        {
            _sandbox = sandbox;
            _output = output;
        }

        [Fact]
        public void BadRulesFailTheBuildNamingTheLine()
        {
            string config = _sandbox.WriteConfig(
                "detections-bad.config",
                "ASC_DETECTIONS_DENIED_REMOTE_ADDRESSES = \"203.0.113.0/24, 10.0.0.0/33\"",
                "ASC_DETECTIONS_MAX_ALLOWED_RANGES = 1",
                "ASC_DETECTIONS_ALLOWED_REMOTE_ADDRESSES = \"10.0.0.0/8,2001:db8::/32\"",
                "ASC_DETECTIONS_EXPECTED_LISTENING_PORTS = \"tcp/80,sctp/9\"",
                "ASC_DETECTIONS_ACTIVE_CONNECTIONS_MIN = 10",
                "ASC_DETECTIONS_ACTIVE_CONNECTIONS_MAX = 5");
            BuildResult build = _sandbox.Build("DetectionsBad", config);
            _output.WriteLine(build.ToString());

            Assert.False(build.Succeeded, "bad rules built:\n" + build);
            AscPortConfigBuildTests.AssertError(build, config, 1, "ASC_DETECTIONS_DENIED_REMOTE_ADDRESSES: '10.0.0.0/33' is not an IPv4 or IPv6 CIDR range");
            AscPortConfigBuildTests.AssertError(build, config, 3, "ASC_DETECTIONS_ALLOWED_REMOTE_ADDRESSES holds 2 items, more than ASC_DETECTIONS_MAX_ALLOWED_RANGES = 1");
            AscPortConfigBuildTests.AssertError(build, config, 4, "ASC_DETECTIONS_EXPECTED_LISTENING_PORTS: 'sctp/9' is not tcp/PORT or udp/PORT");
            AscPortConfigBuildTests.AssertError(build, config, 6, "ASC_DETECTIONS_ACTIVE_CONNECTIONS_MAX = 5 must be at least ASC_DETECTIONS_ACTIVE_CONNECTIONS_MIN = 10");
        }

        [Fact]
        public void RulesBuildIntoConstantsAndSwitchedOffDetectionsAreCompiledOut()
        {
            string config = _sandbox.WriteConfig(
                "detections-rules.config",
                "ASC_DETECTIONS_DENIED_REMOTE_ADDRESSES = \"203.0.113.0/24,2001:db8::/32\"",
                "ASC_DETECTIONS_EXPECTED_LISTENING_PORTS = tcp/8883");
            BuildResult build = _sandbox.Build("DetectionsRules", config);
            _output.WriteLine(build.ToString());
            Assert.True(build.Succeeded, build.ToString());
            string generated = File.ReadAllText(_sandbox.GeneratedSource("DetectionsRules"));
            Assert.Contains("internal const string DetectionsDeniedRemoteAddresses = \"203.0.113.0/24,2001:db8::/32\";", generated);
            Assert.Contains("internal const string DetectionsExpectedListeningPorts = \"tcp/8883\";", generated);
            ISet<string> types = AssemblyMetadata.TypeDefinitions(_sandbox.Dll("DetectionsRules"));
            Assert.All(DetectionTypes, t => Assert.Contains(t, types));

            File.WriteAllText(config, "ASC_DETECTIONS_ENABLED = false\n");
            BuildResult off = _sandbox.Build("DetectionsRules", config);
            _output.WriteLine(off.ToString());
            Assert.True(off.Succeeded, off.ToString());
            types = AssemblyMetadata.TypeDefinitions(_sandbox.Dll("DetectionsRules"));
            Assert.All(DetectionTypes, t => Assert.DoesNotContain(t, types));
        }

        /// <summary>The text form asc_port.config uses is what the module reads as its defaults.</summary>
        [Fact]
        public void TheListFormOfTheConfigIsReadAsTheModuleReadsItsDefaults()
        {
            var ranges = new AddressRuleList(4);
            Assert.Null(DetectionSettings.AddRanges(" 203.0.113.0/24 ,2001:db8::/32,", ranges));
            Assert.Equal(new[] { "203.0.113.0/24", "2001:db8::/32" }, new[] { ranges.TextOf(0), ranges.TextOf(1) });
            var ports = new PortRuleList(4);
            Assert.Null(DetectionSettings.AddPorts("tcp/80, udp/5353", ports));
            Assert.True(ports.Contains(TransportProtocol.Udp, 5353));
            Assert.Contains("is not a CIDR range", DetectionSettings.AddRanges("10.0.0.0/8,nope", new AddressRuleList(4)));
        }
    }
}
