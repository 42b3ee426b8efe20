using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Transport.IotHub
{
    public class IotHubConnectionStringTests
    {
        private const string Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

        [Fact]
        public void ParsesADeviceString()
        {
            var cs = IotHubConnectionString.Parse("HostName=contoso.azure-devices.net;DeviceId=mcu-001;SharedAccessKey=" + Key);

            Assert.Equal("contoso.azure-devices.net", cs.HostName);
            Assert.Equal("mcu-001", cs.DeviceId);
            Assert.Null(cs.ModuleId);
            Assert.Equal(Key, cs.SharedAccessKey);
            Assert.Equal(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), cs.Key);
        }

        [Theory]
        [InlineData("HostName=h.azure-devices.net;DeviceId=d;ModuleId=azureiotsecurity;SharedAccessKey=" + Key)]
        [InlineData("SharedAccessKey=" + Key + ";ModuleId=azureiotsecurity;DeviceId=d;HostName=h.azure-devices.net;")]
        [InlineData("  DeviceId=d;HostName=h.azure-devices.net;SharedAccessKey=" + Key + ";ModuleId=azureiotsecurity\r\n")]
        public void ParsesAModuleStringInAnyOrderWithATrailingSemicolon(string text)
        {
            var cs = IotHubConnectionString.Parse(text);

            Assert.Equal("h.azure-devices.net", cs.HostName);
            Assert.Equal("d", cs.DeviceId);
            Assert.Equal("azureiotsecurity", cs.ModuleId);
            Assert.Equal(Key, cs.SharedAccessKey);
            Assert.Equal(32, cs.Key.Length);
        }

        [Fact]
        public void AValueKeepsEveryEqualsSignAfterTheFirst()
        {
            // "QQ==" is one byte: both padding characters must reach the decoder.
            var cs = IotHubConnectionString.Parse("HostName=h;DeviceId=a=b;SharedAccessKey=QQ==");

            Assert.Equal("a=b", cs.DeviceId);
            Assert.Equal("QQ==", cs.SharedAccessKey);
            Assert.Equal(new byte[] { 0x41 }, cs.Key);
        }

        [Theory]
        [InlineData("DeviceId=d;SharedAccessKey=" + Key, "connection string has no HostName")]
        [InlineData("HostName=h;SharedAccessKey=" + Key, "connection string has no DeviceId")]
        [InlineData("HostName=h;DeviceId=d", "connection string has no SharedAccessKey")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=abc", "SharedAccessKey is not valid base64")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=ab c", "SharedAccessKey is not valid base64")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=a===", "SharedAccessKey is not valid base64")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=ab=c", "SharedAccessKey is not valid base64")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=" + Key + ";Foo=1", "unknown part 'Foo'")]
        [InlineData("hostname=h;DeviceId=d;SharedAccessKey=" + Key, "unknown part 'hostname'")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKeyName=iothubowner;SharedAccessKey=" + Key, "unknown part 'SharedAccessKeyName'")]
        [InlineData("HostName=h;DeviceId=d;DeviceId=e;SharedAccessKey=" + Key, "connection string has DeviceId twice")]
        [InlineData("HostName=h;DeviceId=d;ModuleId=m;ModuleId=m;SharedAccessKey=" + Key, "connection string has ModuleId twice")]
        [InlineData("HostName=;DeviceId=d;SharedAccessKey=" + Key, "HostName is empty")]
        [InlineData("HostName=h;DeviceId=d;ModuleId=;SharedAccessKey=" + Key, "ModuleId is empty")]
        [InlineData("HostName=h;DeviceId=d;SharedAccessKey=", "SharedAccessKey is empty")]
        [InlineData("HostName=h;;DeviceId=d;SharedAccessKey=" + Key, "connection string part 2 is empty")]
        [InlineData("HostName=h;DeviceId=d;QUJD", "connection string part 3 has no '='")]
        [InlineData("HostName=h;DeviceId=d;" + Key, "connection string part 3 is unknown")]
        [InlineData("HostName=h;x509=true;DeviceId=d", "connection string part 2 is unknown")]
        [InlineData("=x;HostName=h;DeviceId=d;SharedAccessKey=" + Key, "connection string part 1 is unknown")]
        [InlineData("", "connection string is empty")]
        [InlineData("  ", "connection string is empty")]
        public void EveryErrorNamesItsPart(string text, string message)
        {
            var error = Assert.Throws<ArgumentException>(() => IotHubConnectionString.Parse(text));
            Assert.Equal(message, error.Message);
        }

        [Fact]
        public void NullIsRefused()
        {
            Assert.Throws<ArgumentNullException>(() => IotHubConnectionString.Parse(null));
        }

        [Fact]
        public void ToStringHidesTheKey()
        {
            string device = IotHubConnectionString.Parse("SharedAccessKey=" + Key + ";HostName=h;DeviceId=d").ToString();
            string module = IotHubConnectionString.Parse("HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=" + Key).ToString();

            Assert.Equal("HostName=h;DeviceId=d;SharedAccessKey=***", device);
            Assert.Equal("HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=***", module);
        }

        [Fact]
        public void ErrorsAboutTheKeyDoNotShowIt()
        {
            // A real key with its padding, and one cut so that it is not valid base64.
            foreach (string secret in new[] { Key, Key.Substring(0, 42) })
            {
                foreach (string text in new[]
                {
                    "HostName=h;DeviceId=d;SharedAccessKey=" + secret.Substring(1),
                    "HostName=h;DeviceId=d;" + secret,
                    "HostName=h;DeviceId=d;" + secret + ";SharedAccessKey=" + secret,
                    "HostName=h;DeviceId=d;SharedAccessKey=" + secret + ";SharedAccessKey=" + secret,
                })
                {
                    var error = Assert.Throws<ArgumentException>(() => IotHubConnectionString.Parse(text));
                    Assert.DoesNotContain(secret.Substring(0, 20), error.Message);
                }
            }
        }

        [Fact]
        public void GarbageOnlyEverThrowsArgumentException()
        {
            // Fragments that make near-valid strings likely, plus arbitrary characters.
            string[] fragments =
            {
                "HostName", "DeviceId", "ModuleId", "SharedAccessKey", "=", "==", ";", ";;", "QQ", "QUJD", "AAEC",
                "x", " ", "\u00e9", "+", "/", "\ud800",
            };
            Gen<string> nearValid = Gen.OneOf(Gen.Int[0, fragments.Length - 1].Select(i => fragments[i]), Gen.Char.Select(c => c.ToString()))
                .Array[0, 16]
                .Select(string.Concat);
            Gen.OneOf(nearValid, Gen.String).Sample(text =>
            {
                try
                {
                    var cs = IotHubConnectionString.Parse(text);
                    Assert.False(string.IsNullOrEmpty(cs.HostName));
                    Assert.False(string.IsNullOrEmpty(cs.DeviceId));
                    Assert.Equal(Convert.FromBase64String(cs.SharedAccessKey), cs.Key);
                    Assert.EndsWith(";SharedAccessKey=***", cs.ToString());
                }
                catch (Exception e) when (e.GetType() == typeof(ArgumentException))
                {
                    Assert.False(string.IsNullOrEmpty(e.Message));
                }
            }, iter: 20_000);
        }
    }
}
