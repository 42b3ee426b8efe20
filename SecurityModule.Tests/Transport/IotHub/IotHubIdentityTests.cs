using Xunit;

namespace NanoSecurity.Tests.Transport.IotHub
{
    public class IotHubIdentityTests
    {
        private static readonly IotHubConnectionString Device =
            IotHubConnectionString.Parse("HostName=contoso.azure-devices.net;DeviceId=mcu-001;SharedAccessKey=QUJD");

        private static readonly IotHubConnectionString Module =
            IotHubConnectionString.Parse("HostName=contoso.azure-devices.net;DeviceId=mcu-001;ModuleId=azureiotsecurity;SharedAccessKey=QUJD");

        [Fact]
        public void DeviceIdentity()
        {
            Assert.Equal("mcu-001", IotHubIdentity.ClientId(Device));
            Assert.Equal("contoso.azure-devices.net/mcu-001/?api-version=2021-04-12", IotHubIdentity.UserName(Device));
            Assert.Equal("contoso.azure-devices.net/devices/mcu-001", IotHubIdentity.ResourceUri(Device));
            Assert.Equal(
                "devices/mcu-001/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1",
                IotHubIdentity.TelemetryTopic(Device));
        }

        [Fact]
        public void ModuleIdentity()
        {
            Assert.Equal("mcu-001/azureiotsecurity", IotHubIdentity.ClientId(Module));
            Assert.Equal("contoso.azure-devices.net/mcu-001/azureiotsecurity/?api-version=2021-04-12", IotHubIdentity.UserName(Module));
            Assert.Equal("contoso.azure-devices.net/devices/mcu-001/modules/azureiotsecurity", IotHubIdentity.ResourceUri(Module));
            Assert.Equal(
                "devices/mcu-001/modules/azureiotsecurity/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1",
                IotHubIdentity.TelemetryTopic(Module));
        }

        [Fact]
        public void TopicPropertiesAreTheEncodedSecurityMessageProperties()
        {
            string expected = "/messages/events/"
                + UrlEncoding.Encode("$") + ".ct=" + UrlEncoding.Encode("application/json")
                + "&" + UrlEncoding.Encode("$") + ".ce=" + UrlEncoding.Encode("utf-8")
                + "&" + UrlEncoding.Encode("$") + ".ifid=" + UrlEncoding.Encode(SecurityMessageProperties.InterfaceId);

            Assert.Equal("urn:azureiot:Security:SecurityAgent:1", SecurityMessageProperties.InterfaceId);
            Assert.Equal("2021-04-12", IotHubIdentity.ApiVersion);
            Assert.EndsWith(expected, IotHubIdentity.TelemetryTopic(Device));
            Assert.EndsWith(expected, IotHubIdentity.TelemetryTopic(Module));
        }

        [Fact]
        public void TheSasTokenOfAConnectionStringSignsItsResourceUri()
        {
            string token = SasToken.Build(Module.HostName, Module.DeviceId, Module.ModuleId, Module.Key, 1700000000);
            Assert.StartsWith("SharedAccessSignature sr=" + UrlEncoding.Encode(IotHubIdentity.ResourceUri(Module)) + "&sig=", token);
        }

        [Fact]
        public void NullIsRefused()
        {
            Assert.Throws<ArgumentNullException>(() => IotHubIdentity.ClientId(null));
            Assert.Throws<ArgumentNullException>(() => IotHubIdentity.UserName(null));
            Assert.Throws<ArgumentNullException>(() => IotHubIdentity.ResourceUri(null));
            Assert.Throws<ArgumentNullException>(() => IotHubIdentity.TelemetryTopic(null));
        }
    }
}
