using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Transport.IotHub
{
    public class SasTokenTests
    {
        private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        [Fact]
        public void MatchesTheVectorComputedWithNanoFrameworkAzureDevicesAlgorithm()
        {
            // From /work/shared/reference/nanoframework.md §1.2 (key bytes 0..31, no character
            // where HttpUtility.UrlEncode and RFC 3986 encoding differ).
            Assert.Equal(
                "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=i%2BYmMcSSZc4KzBi6ejz3l0iL%2B2sN0CE3q6vSm837h2g%3D&se=1700000000",
                SasToken.Build("myhub.azure-devices.net", "dev1", null, Key, 1700000000));
        }

        [Theory]
        [InlineData("contoso.azure-devices.net", "mcu-001", null)]
        [InlineData("contoso.azure-devices.net", "mcu-001", "")]
        [InlineData("contoso.azure-devices.net", "mcu-001", "azureiotsecurity")]
        [InlineData("h.azure-devices.net", "dev $'()!*:@=%,", "mod+ule/x")]
        public void EqualsAnIndependentComputation(string host, string device, string module)
        {
            const long Expiry = 1735689600;
            Assert.Equal(Independent(host, device, module, Key, Expiry), SasToken.Build(host, device, module, Key, Expiry));
        }

        [Fact]
        public void ModuleTokensSignTheModuleResource()
        {
            string token = SasToken.Build("contoso.azure-devices.net", "mcu-001", "azureiotsecurity", Key, 1735689600);
            var fields = Parse(token);

            // The example string to sign of the reference doc (§4.3).
            Assert.Equal("contoso.azure-devices.net%2Fdevices%2Fmcu-001%2Fmodules%2Fazureiotsecurity", fields["sr"]);
            byte[] expected = HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("contoso.azure-devices.net%2Fdevices%2Fmcu-001%2Fmodules%2Fazureiotsecurity\n1735689600"));
            Assert.Equal(expected, Convert.FromBase64String(Uri.UnescapeDataString(fields["sig"])));
        }

        [Fact]
        public void AnyIdentityParsesBackIntoSrSigSe()
        {
            Gen<string> id = Gen.String[Gen.Char[' ', '\u00ff'], 1, 20];
            Gen.Select(id, id, Gen.OneOf(Gen.Const((string)null), id), Gen.Byte.Array[1, 80], Gen.Long[1, 4_000_000_000])
                .Sample((host, device, module, key, expiry) =>
                {
                    string token = SasToken.Build(host, device, module, key, expiry);
                    Assert.Equal(Independent(host, device, module, key, expiry), token);

                    var fields = Parse(token);
                    Assert.Equal(new[] { "sr", "sig", "se" }, fields.Keys.ToArray());
                    string resource = module == null ? $"{host}/devices/{device}" : $"{host}/devices/{device}/modules/{module}";
                    Assert.Equal(resource, Uri.UnescapeDataString(fields["sr"]));
                    Assert.Equal(expiry.ToString(), fields["se"]);
                    byte[] sig = Convert.FromBase64String(Uri.UnescapeDataString(fields["sig"]));
                    Assert.Equal(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(fields["sr"] + "\n" + fields["se"])), sig);
                });
        }

        [Fact]
        public void BadArgumentsAreRefused()
        {
            Assert.Throws<ArgumentException>(() => SasToken.Build("", "d", null, Key, 1));
            Assert.Throws<ArgumentException>(() => SasToken.Build("h", null, null, Key, 1));
            Assert.Throws<ArgumentException>(() => SasToken.Build("h", "d", null, new byte[0], 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => SasToken.Build("h", "d", null, Key, 0));
        }

        /// <summary>The token per the IoT Hub SAS documentation, with .NET's own encoder, HMAC and base64.</summary>
        private static string Independent(string host, string device, string module, byte[] key, long expiry)
        {
            string resource = $"{host}/devices/{device}" + (string.IsNullOrEmpty(module) ? "" : $"/modules/{module}");
            string sr = Uri.EscapeDataString(resource);
            string sig = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(sr + "\n" + expiry)));
            return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={expiry}";
        }

        /// <summary>The fields of a token in their order; values still encoded.</summary>
        private static Dictionary<string, string> Parse(string token)
        {
            const string Prefix = "SharedAccessSignature ";
            Assert.StartsWith(Prefix, token);
            var fields = new Dictionary<string, string>();
            foreach (string field in token.Substring(Prefix.Length).Split('&'))
            {
                int equals = field.IndexOf('=');
                Assert.True(equals > 0);
                fields.Add(field.Substring(0, equals), field.Substring(equals + 1));
            }

            return fields;
        }
    }
}
