using NanoSecurity.Testing;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>One TLS and one plain mosquitto, shared by the tests of a class (starting one costs ~0.1 s).</summary>
    public sealed class MosquittoFixture : IDisposable
    {
        public MosquittoFixture()
        {
            Certificates = TestCertificates.Create();
            WrongCaFile = Certificates.WriteUnrelatedCaFile();
            Tls = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = Certificates });
            Plain = MosquittoBroker.StartNew();
        }

        public TestCertificates Certificates { get; }

        /// <summary>A CA that did not sign the broker's certificate.</summary>
        public string WrongCaFile { get; }

        public MosquittoBroker Tls { get; }

        public MosquittoBroker Plain { get; }

        public void Dispose()
        {
            Tls.Dispose();
            Plain.Dispose();
            Certificates.Dispose();
        }
    }
}
