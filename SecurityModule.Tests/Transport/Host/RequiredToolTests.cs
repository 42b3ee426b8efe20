using NanoSecurity.Testing;
using NanoSecurity.Tests.Support;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>When a test that needs mosquitto or tmux runs, is skipped, or must fail.</summary>
    public sealed class RequiredToolTests
    {
        [Fact]
        public void AMissingToolSkipsWithAReasonNamingItAndHowToInstallIt()
        {
            string reason = RequiredTool.SkipReason("mosquitto", installed: false, "apt-get install -y mosquitto", isCi: false);

            Assert.Equal(
                "needs mosquitto, which is not installed: apt-get install -y mosquitto. Skipped here; with CI=true this test runs and fails instead.",
                reason);
        }

        [Fact]
        public void UnderCiAMissingToolDoesNotSkipSoTheTestFails()
        {
            Assert.Null(RequiredTool.SkipReason("mosquitto", installed: false, "apt-get install -y mosquitto", isCi: true));
        }

        [Fact]
        public void AnInstalledToolRuns()
        {
            Assert.Null(RequiredTool.SkipReason("tmux", installed: true, "apt-get install -y tmux", isCi: false));
        }

        [Fact]
        public void IsInstalledAgreesWithFindExecutable()
        {
            if (MosquittoBroker.IsInstalled)
            {
                Assert.True(File.Exists(MosquittoBroker.FindExecutable()));
            }
            else
            {
                InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => MosquittoBroker.FindExecutable());
                Assert.Equal(MosquittoBroker.NotInstalledMessage, error.Message);
            }
        }
    }
}
