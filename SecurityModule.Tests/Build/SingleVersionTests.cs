using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Xml.Linq;
using NanoSecurity.Tests.Emulator;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>One version, build/Version.props, in every place a user or IoT Hub sees one.</summary>
    public sealed class SingleVersionTests
    {
        internal static readonly string Version = ReadVersion();

        [Fact]
        public void TheVersionIsAReleaseThatTheChangelogDescribes()
        {
            Assert.Matches(@"^\d+\.\d+\.\d+$", Version);
            Assert.Contains("## [" + Version + "]", File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "CHANGELOG.md")));
        }

        [Fact]
        public void AgentVersionIsTheVersion()
        {
            Assert.Equal(SecurityModule.AgentVersion, Version);
        }

        [Fact]
        public void SecurityModuleAssemblyCarriesTheVersion()
        {
            Assembly module = typeof(SecurityModule).Assembly;

            Assert.Equal(new System.Version(Version + ".0"), module.GetName().Version);
            Assert.Equal(Version, FileVersionInfo.GetVersionInfo(module.Location).ProductVersion);
        }

        [Fact]
        public void TheEmulatorPrintsTheVersion()
        {
            EmulatorRun run = EmulatorRun.Start("--version");

            Assert.Equal(0, run.ExitCode);
            Assert.Equal(Version, run.StandardOutput.Trim());
        }

        [Theory]
        [InlineData("SecurityModule/Properties/AssemblyInfo.cs")]
        [InlineData("targets/nanoFramework/Properties/AssemblyInfo.cs")]
        public void NoAssemblyInfoHardCodesAVersion(string file)
        {
            string text = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, file));

            Assert.DoesNotMatch(@"Assembly(File|Informational)?Version\(", text);
        }

        [Theory]
        [InlineData("SecurityModule/SecurityModule.nfproj")]
        [InlineData("targets/nanoFramework/NanoSecurity.Targets.nanoFramework.nfproj")]
        [InlineData("SecurityModule/SecurityModule.csproj")]
        public void EveryLibraryProjectImportsTheVersion(string project)
        {
            string text = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, project));

            Assert.Matches(@"<Import Project=""[.\\/]+build[\\/]+Version\.targets"" />", text);
            Assert.DoesNotMatch(@"<(Version|VersionPrefix|AssemblyVersion)>", text);
        }

        private static string ReadVersion()
        {
            XDocument props = XDocument.Load(Path.Combine(ProjectBuilder.RepoRoot, "build", "Version.props"));
            foreach (XElement element in props.Descendants("NanoSecurityVersion"))
            {
                return element.Value;
            }

            throw new InvalidOperationException("build/Version.props has no NanoSecurityVersion");
        }
    }
}
