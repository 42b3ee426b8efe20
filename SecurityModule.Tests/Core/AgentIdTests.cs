using System.Security.Cryptography;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    public class AgentIdTests
    {
        [Fact]
        public void DerivedIdIsStableNameBasedVersion8AndDiffersPerDevice()
        {
            string a = AgentId.FromDeviceId("sensor-01");
            Assert.Equal(a, AgentId.FromDeviceId("sensor-01"));
            Assert.NotEqual(a, AgentId.FromDeviceId("sensor-02"));
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a);
            Assert.True(Guid.TryParse(a, out _));
        }

        [Fact]
        public void DerivedIdIsTheSha256OfNamespaceAndNameAsRfc9562Describes()
        {
            byte[] ns = { 0x6e, 0x61, 0x6e, 0x6f, 0x53, 0x65, 0x4c, 0x75, 0x9a, 0x1b, 0x3e, 0x5d, 0x77, 0x20, 0xc4, 0x19 };
            byte[] hash = SHA256.HashData(ns.Concat("sensor-01"u8.ToArray()).ToArray());
            hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            string hex = Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
            string expected = $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
            Assert.Equal(expected, AgentId.FromDeviceId("sensor-01"));
        }

        [Fact]
        public void AGivenIdIsUsedLowercased()
        {
            Assert.Equal("9c647395-b913-4997-a732-a7fe7303b649", AgentId.Resolve("9C647395-B913-4997-A732-A7FE7303B649", null));
        }

        [Theory]
        [InlineData("9c647395b9134997a732a7fe7303b649")]
        [InlineData("9c647395-b913-4997-a732-a7fe7303b64g")]
        [InlineData("9c647395-b913-4997-a732_a7fe7303b649")]
        public void AMalformedGivenIdIsRefused(string id)
        {
            Assert.Throws<ArgumentException>(() => AgentId.Resolve(id, "device"));
        }

        [Fact]
        public void NeitherIdNorDeviceIdIsRefused()
        {
            Assert.Throws<ArgumentException>(() => AgentId.Resolve(null, null));
            Assert.Throws<ArgumentException>(() => AgentId.Resolve(null, "caf\u00e9"));
        }

        [Fact]
        public void Sha256MatchesTheFrameworkForAnyInputAndChunking()
        {
            Gen.Byte.Array[0, 300].Select(Gen.Int[1, 70]).Sample(t =>
            {
                (byte[] data, int chunk) = t;
                var sha = new Sha256();
                var output = new byte[32];
                for (int i = 0; i < data.Length; i += chunk)
                {
                    sha.Append(data, i, Math.Min(chunk, data.Length - i));
                }

                sha.Finish(output, 0);
                Assert.Equal(SHA256.HashData(data), output);
            }, iter: 2000);
        }
    }
}
