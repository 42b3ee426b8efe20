using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Detections
{
    public class PortRuleListTests
    {
        [Theory]
        [InlineData("tcp/80", TransportProtocol.Tcp, 80)]
        [InlineData("UDP/5353", TransportProtocol.Udp, 5353)]
        [InlineData("tcp/0", TransportProtocol.Tcp, 0)]
        [InlineData("udp/65535", TransportProtocol.Udp, 65535)]
        public void ARuleIsRead(string text, TransportProtocol protocol, int port)
        {
            Assert.Null(PortRuleList.TryParse(text, out TransportProtocol p, out ushort n));
            Assert.Equal(protocol, p);
            Assert.Equal(port, n);
        }

        [Theory]
        [InlineData("tcp/65536")]
        [InlineData("tcp/")]
        [InlineData("icmp/1")]
        [InlineData("tcp:80")]
        [InlineData("tcp/8o")]
        [InlineData("tcp/-1")]
        [InlineData("tcp/000000080")]
        [InlineData("")]
        [InlineData(null)]
        public void ABadRuleIsRefusedWithAClearError(string text)
        {
            string error = PortRuleList.TryParse(text, out _, out _);
            Assert.NotNull(error);
            Assert.True(error.Contains("tcp/PORT") || error.Contains("0..65535") || error.Contains("required"), error);
        }

        [Fact]
        public void FuzzedRulesNeverThrowAndAgreeWithAnOracle()
        {
            Gen.Char["tcpudTCPUD/0123456789 -x"].Array[0, 24].Select(c => new string(c)).Sample(text =>
            {
                string error = PortRuleList.TryParse(text, out TransportProtocol protocol, out ushort port);
                string lower = text.ToLowerInvariant();
                bool oracle = text.Length <= 16 && (lower.StartsWith("tcp/") || lower.StartsWith("udp/"))
                    && text.Length > 4 && text.Length <= 9 && text[4..].All(char.IsAsciiDigit) && int.Parse(text[4..]) <= 65535;
                Assert.Equal(oracle, error == null);
                if (oracle)
                {
                    Assert.Equal(int.Parse(text[4..]), port);
                    Assert.Equal(lower.StartsWith("udp") ? TransportProtocol.Udp : TransportProtocol.Tcp, protocol);
                }
            }, iter: 100_000);
        }
    }
}
