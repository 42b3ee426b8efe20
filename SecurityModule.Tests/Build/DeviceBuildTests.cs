using NanoSecurity.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// What goes on the device: SecurityModule.dll is compiled against nanoFramework's
    /// mscorlib alone, and a collector switched off in asc_port.config is not in it at all.
    /// </summary>
    [Collection(BuildSandboxCollection.Name)]
    public sealed class DeviceBuildTests
    {
        internal static readonly string[] NetworkActivityTypes =
        {
            "NanoSecurity.NetworkActivityCollector",
            "NanoSecurity.Ipv4ConnectionCache",
            "NanoSecurity.Ipv6ConnectionCache",
        };

        internal static readonly string[] ListeningPortsTypes = { "NanoSecurity.ListeningPortsCollector" };

        internal const string HeartbeatType = "NanoSecurity.HeartbeatCollector";

        internal const string SystemInformationType = "NanoSecurity.SystemInformationCollector";

        internal static readonly string[] AllCollectorTypes =
            NetworkActivityTypes.Concat(ListeningPortsTypes).Concat(new[] { HeartbeatType, SystemInformationType }).ToArray();

        private static readonly Version NanoMscorlib = new Version(1, 17, 11, 0);

        private readonly BuildSandbox _sandbox;
        private readonly ITestOutputHelper _output;

        public DeviceBuildTests(BuildSandbox sandbox, ITestOutputHelper output)
        {
            _sandbox = sandbox;
            _output = output;
        }

        [Fact]
        public void TheModuleTheTestsLoadReferencesNanoMscorlibOnly()
        {
            AssertReferencesNanoMscorlibOnly(ProjectBuilder.LoadedSecurityModule);
        }

        [Fact]
        public void TheMinimalBuildReferencesNanoMscorlibOnly()
        {
            _output.WriteLine(_sandbox.Minimal.ToString());
            AssertReferencesNanoMscorlibOnly(_sandbox.MinimalDll);
        }

        [Fact]
        public void TheDefaultConfigCompilesEveryCollectorIn()
        {
            ISet<string> types = AssemblyMetadata.TypeDefinitions(ProjectBuilder.LoadedSecurityModule);
            foreach (string type in AllCollectorTypes)
            {
                Assert.True(types.Contains(type), type + " is missing from " + ProjectBuilder.LoadedSecurityModule);
            }
        }

        [Fact]
        public void TheMinimalConfigCompilesNetworkActivityAndListeningPortsOut()
        {
            BuildResult build = _sandbox.Minimal;
            _output.WriteLine(build.ToString());
            ISet<string> types = AssemblyMetadata.TypeDefinitions(_sandbox.MinimalDll);
            foreach (string type in NetworkActivityTypes.Concat(ListeningPortsTypes))
            {
                Assert.False(types.Contains(type), type + " is compiled into the minimal build " + _sandbox.MinimalDll);
            }

            Assert.Contains(HeartbeatType, types);
            Assert.Contains(SystemInformationType, types);

            // Nothing else of the module went missing: the minimal DLL still has the types of
            // the default one that are not collectors (the enums, the config class, ...).
            ISet<string> defaults = AssemblyMetadata.TypeDefinitions(ProjectBuilder.LoadedSecurityModule);
            Assert.Contains("NanoSecurity.FlowDirection", types);
            Assert.Contains("NanoSecurity.AscPortConfig", types);
            Assert.True(types.Count < defaults.Count, "the minimal build has " + types.Count + " types, the default one " + defaults.Count);
        }

        private void AssertReferencesNanoMscorlibOnly(string dll)
        {
            IReadOnlyList<AssemblyMetadata.Reference> references = AssemblyMetadata.References(dll);
            _output.WriteLine(dll + " references: " + string.Join(", ", references));
            AssemblyMetadata.Reference only = Assert.Single(references);
            Assert.Equal("mscorlib", only.Name);
            Assert.Equal(NanoMscorlib, only.Version);

            var scopes = AssemblyMetadata.TypeReferenceScopes(dll);
            Assert.NotEmpty(scopes);
            foreach (var pair in scopes)
            {
                Assert.True(pair.Value == "assembly:mscorlib", pair.Key + " resolves to " + pair.Value + " in " + dll);
                Assert.DoesNotContain("System.Runtime", pair.Value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("netstandard", pair.Value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
