using NanoSecurity.Testing;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>
    /// One TLS and one plain mosquitto, shared by the tests of a class (starting one costs ~0.1 s).
    /// Each starts when a test first uses it, so that the class's tests that need no broker also
    /// run where mosquitto is not installed (those that need one are <see cref="Support.MosquittoFactAttribute"/>s).
    /// </summary>
    public sealed class MosquittoFixture : IDisposable
    {
        private readonly Lazy<MosquittoBroker> _tls;
        private readonly Lazy<MosquittoBroker> _plain;

        public MosquittoFixture()
        {
            Certificates = TestCertificates.Create();
            WrongCaFile = Certificates.WriteUnrelatedCaFile();
            _tls = new Lazy<MosquittoBroker>(() => MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = Certificates }));
            _plain = new Lazy<MosquittoBroker>(() => MosquittoBroker.StartNew());
        }

        public TestCertificates Certificates { get; }

        /// <summary>A CA that did not sign the broker's certificate.</summary>
        public string WrongCaFile { get; }

        public MosquittoBroker Tls => _tls.Value;

        public MosquittoBroker Plain => _plain.Value;

        public void Dispose()
        {
            if (_tls.IsValueCreated)
            {
                _tls.Value.Dispose();
            }

            if (_plain.IsValueCreated)
            {
                _plain.Value.Dispose();
            }

            Certificates.Dispose();
        }
    }
}
