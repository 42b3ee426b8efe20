using System.Security.Cryptography.X509Certificates;
using NanoSecurity.Testing;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>The generated certificates are what brokers and clients need.</summary>
    public sealed class TestCertificatesTests
    {
        [Fact]
        public void TheServerCertificateChainsToTheCaAndNamesTheLoopbackHost()
        {
            string folder;
            using (TestCertificates certificates = TestCertificates.Create())
            {
                folder = certificates.Directory;
                Assert.True(File.Exists(certificates.CaCertificateFile));
                Assert.True(File.Exists(certificates.ServerCertificateFile));
                Assert.Contains("PRIVATE KEY", File.ReadAllText(certificates.ServerKeyFile));
                Assert.True(certificates.ServerCertificate.HasPrivateKey);

                if (!OperatingSystem.IsWindows())
                {
                    // Readable by the user mosquitto drops to.
                    Assert.True((File.GetUnixFileMode(certificates.Directory) & UnixFileMode.OtherExecute) != 0);
                    Assert.True((File.GetUnixFileMode(certificates.ServerKeyFile) & UnixFileMode.OtherRead) != 0);
                }

                X509Certificate2 server = X509CertificateLoader.LoadCertificateFromFile(certificates.ServerCertificateFile);
                Assert.True(server.MatchesHostname("localhost"));
                Assert.True(server.MatchesHostname("127.0.0.1"));

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(certificates.CaCertificateFile));
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                Assert.True(chain.Build(server), string.Join(", ", chain.ChainStatus.Select(s => s.Status)));

                using var wrongChain = new X509Chain();
                wrongChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                wrongChain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(certificates.WriteUnrelatedCaFile()));
                wrongChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                Assert.False(wrongChain.Build(server));
            }

            Assert.False(Directory.Exists(folder));
        }
    }
}
