using System.Diagnostics;
using System.Security.Authentication;
using NanoSecurity.Host;
using NanoSecurity.Tests.Support;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>TlsNetworkChannel against a real mosquitto, speaking hand-written MQTT packets.</summary>
    public sealed class TlsNetworkChannelTests : IClassFixture<MosquittoFixture>
    {
        // CONNECT, MQTT 3.1.1, clean session, keep-alive 30 s, client id "t".
        private static readonly byte[] ConnectT = { 0x10, 0x0D, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x1E, 0x00, 0x01, (byte)'t' };

        // CONNACK, session present 0, return code 0 (accepted).
        private static readonly byte[] ConnackAccepted = { 0x20, 0x02, 0x00, 0x00 };

        private readonly MosquittoFixture _brokers;

        public TlsNetworkChannelTests(MosquittoFixture brokers) => _brokers = brokers;

        [MosquittoFact]
        public void TlsWithTheRightCaConnectsAndExchangesMqttPackets()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.Certificates.CaCertificateFile });
            channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port);
            Assert.True(channel.IsConnected);
            Assert.True(channel.TlsProtocol == SslProtocols.Tls12 || channel.TlsProtocol == SslProtocols.Tls13, $"negotiated {channel.TlsProtocol}");

            channel.Write(ConnectT, 0, ConnectT.Length);
            Assert.Equal(ConnackAccepted, RawMqtt.ReadExactly(channel, 4));

            channel.Write(RawMqtt.PingRequest, 0, 2);
            Assert.Equal(RawMqtt.PingResponse, RawMqtt.ReadExactly(channel, 2));
        }

        [MosquittoFact]
        public void AReadWithNothingPendingReturnsZeroAfterTheTimeoutAndTheStreamStillWorks()
        {
            using var channel = ConnectedTls();
            var buffer = new byte[16];

            // Several timeouts in a row: the read left pending by each must be resumed, not duplicated or lost.
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(0, channel.Read(buffer, 0, buffer.Length, 300));
            }

            Assert.Equal(0, channel.Read(buffer, 0, buffer.Length, 0));

            channel.Write(RawMqtt.PingRequest, 0, 2);
            Assert.Equal(RawMqtt.PingResponse, RawMqtt.ReadExactly(channel, 2));
            Assert.True(channel.IsConnected);
        }

        [MosquittoFact]
        public void BytesAreHandedOutInPiecesWhenTheCallerAsksForFewer()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.Certificates.CaCertificateFile });
            channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port);
            channel.Write(ConnectT, 0, ConnectT.Length);

            var connack = new byte[4];
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(1, channel.Read(connack, i, 1, 5000));
            }

            Assert.Equal(ConnackAccepted, connack);
        }

        [MosquittoFact]
        public void TheServerNameLocalhostIsCheckedAgainstTheCertificate()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.Certificates.CaCertificateFile });
            channel.Connect("localhost", _brokers.Tls.Port);
            channel.Write(ConnectT, 0, ConnectT.Length);
            Assert.Equal(ConnackAccepted, RawMqtt.ReadExactly(channel, 4));
        }

        [MosquittoFact]
        public void AServerCertificateFromAnotherCaFailsTheHandshakeWithAClearMessage()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.WrongCaFile });

            var error = Assert.Throws<AuthenticationException>(() => channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port));

            Assert.StartsWith($"TLS handshake with 127.0.0.1:{_brokers.Tls.Port} failed: ", error.Message);
            Assert.Contains("the server certificate does not chain to the CA in wrong-ca.pem (", error.Message);
            Assert.Matches(@"\((UntrustedRoot|PartialChain)", error.Message);
            Assert.False(channel.IsConnected);
        }

        [MosquittoFact]
        public void WithoutAnyCaFileTheSystemStoreRefusesTheTestCa()
        {
            using var channel = new TlsNetworkChannel();

            var error = Assert.Throws<AuthenticationException>(() => channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port));

            Assert.Contains("not trusted by the system certificate store", error.Message);
        }

        [MosquittoFact]
        public void PlaintextIsRefusedUnlessAllowed()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.Certificates.CaCertificateFile });

            var error = Assert.Throws<AuthenticationException>(() => channel.Connect(_brokers.Plain.Host, _brokers.Plain.Port));

            Assert.StartsWith($"TLS handshake with 127.0.0.1:{_brokers.Plain.Port} failed: ", error.Message);
            Assert.False(channel.IsConnected);
        }

        [MosquittoFact]
        public void PlaintextWorksAgainstAPlainListenerWhenAllowed()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { AllowPlaintext = true });
            channel.Connect(_brokers.Plain.Host, _brokers.Plain.Port);
            Assert.Null(channel.TlsProtocol);

            channel.Write(ConnectT, 0, ConnectT.Length);
            Assert.Equal(ConnackAccepted, RawMqtt.ReadExactly(channel, 4));
            Assert.Equal(0, channel.Read(new byte[8], 0, 8, 100));
            channel.Write(RawMqtt.PingRequest, 0, 2);
            Assert.Equal(RawMqtt.PingResponse, RawMqtt.ReadExactly(channel, 2));
        }

        [Fact]
        public void PlaintextIsRefusedForANonLoopbackHostBeforeAnyConnection()
        {
            using var channel = new TlsNetworkChannel(new TlsChannelOptions { AllowPlaintext = true });

            // A documentation address (TEST-NET-1): refused before any socket is opened.
            var error = Assert.Throws<InvalidOperationException>(() => channel.Connect("192.0.2.1", 1883));
            Assert.Contains("loopback", error.Message);
        }

        [MosquittoFact]
        public void OneThreadReadsWhileAnotherWrites()
        {
            using var channel = ConnectedTls();
            const int pings = 50;
            int received = 0;
            var reader = new Thread(() =>
            {
                var buffer = new byte[64];
                var clock = Stopwatch.StartNew();
                while (received < pings * 2 && clock.ElapsedMilliseconds < 10_000)
                {
                    received += channel.Read(buffer, 0, buffer.Length, 50);
                }
            });
            reader.Start();

            for (int i = 0; i < pings; i++)
            {
                channel.Write(RawMqtt.PingRequest, 0, 2);
                Thread.Sleep(2);
            }

            reader.Join();
            Assert.Equal(pings * 2, received);
        }

        [MosquittoFact]
        public void CloseMakesABlockedReadFailAndIsHarmlessTwice()
        {
            using var channel = ConnectedTls();
            Exception failure = null;
            var reader = new Thread(() =>
            {
                try
                {
                    channel.Read(new byte[8], 0, 8, Timeout.Infinite);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            reader.Start();
            Thread.Sleep(200);

            channel.Close();
            channel.Close();

            Assert.True(reader.Join(5000), "the blocked Read did not return after Close");
            Assert.IsType<IOException>(failure);
            Assert.False(channel.IsConnected);
            Assert.Throws<IOException>(() => channel.Write(RawMqtt.PingRequest, 0, 2));
        }

        [MosquittoFact]
        public void TheServerClosingTheConnectionMakesReadThrowAndConnectWorksAgain()
        {
            using var channel = ConnectedTls();
            channel.Write(RawMqtt.Disconnect, 0, 2);

            var error = Assert.Throws<IOException>(() => RawMqtt.ReadExactly(channel, 1));
            Assert.Contains("127.0.0.1", error.Message);
            Assert.False(channel.IsConnected);

            channel.Close();
            channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port);
            channel.Write(ConnectT, 0, ConnectT.Length);
            Assert.Equal(ConnackAccepted, RawMqtt.ReadExactly(channel, 4));
        }

        [Fact]
        public void AClosedPortFailsWithIOException()
        {
            using var probe = new TlsNetworkChannel(new TlsChannelOptions { AllowPlaintext = true, ConnectTimeoutMilliseconds = 2000 });

            // Port 1 on loopback: nothing listens there, the connection is refused at once.
            var error = Assert.Throws<IOException>(() => probe.Connect("127.0.0.1", 1));
            Assert.Contains("127.0.0.1:1", error.Message);
        }

        /// <summary>A TLS channel with an MQTT session open (CONNECT/CONNACK done).</summary>
        private TlsNetworkChannel ConnectedTls()
        {
            var channel = new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = _brokers.Certificates.CaCertificateFile });
            channel.Connect(_brokers.Tls.Host, _brokers.Tls.Port);
            channel.Write(ConnectT, 0, ConnectT.Length);
            Assert.Equal(ConnackAccepted, RawMqtt.ReadExactly(channel, 4));
            return channel;
        }
    }
}
