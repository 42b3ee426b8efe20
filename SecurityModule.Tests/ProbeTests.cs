using Xunit;
namespace NanoSecurity.Tests
{
    public class ProbeTests
    {
        [Fact]
        public void Loads() { Assert.True(FlowFilter.FromConfig().Accepts(TransportProtocol.Tcp)); }
    }
}
