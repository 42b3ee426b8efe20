using System.IO;
using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>What a company checks before adopting the library: its licence, the notices, the SDK pin.</summary>
    public sealed class RepositoryFilesTests
    {
        [Fact]
        public void TheRepositoryIsMitLicensed()
        {
            string licence = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "LICENSE"));

            Assert.StartsWith("MIT License", licence);
            Assert.Contains("Copyright (c) 2026 nanoSecurity contributors", licence);
            Assert.Contains("THE SOFTWARE IS PROVIDED \"AS IS\"", licence);
        }

        [Fact]
        public void TheNoticeNamesTheBundledSchemasAndTheirLicence()
        {
            string notice = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "NOTICE"));
            string schemaLicence = File.ReadAllText(
                Path.Combine(ProjectBuilder.RepoRoot, "SecurityModule.Testing", "DefenderSchemas", "LICENSE.md"));

            Assert.Contains("SecurityModule.Testing/DefenderSchemas/", notice);
            Assert.Contains("Azure/Azure-IoT-Security", notice);
            Assert.Contains("MIT License", schemaLicence);
            Assert.Contains("Copyright (c) Microsoft Corporation", schemaLicence);
        }

        [Fact]
        public void GlobalJsonPinsTheDotNet10Sdk()
        {
            using JsonDocument pin = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "global.json")));
            JsonElement sdk = pin.RootElement.GetProperty("sdk");

            Assert.StartsWith("10.0.", sdk.GetProperty("version").GetString());
            Assert.Equal("latestFeature", sdk.GetProperty("rollForward").GetString());
        }
    }
}
