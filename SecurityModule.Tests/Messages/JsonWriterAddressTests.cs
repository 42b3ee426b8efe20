using System.Net;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// The address writers against <see cref="IPAddress.ToString"/>, which follows RFC 5952 and
    /// writes the last 32 bits as a dotted quad for IPv4-compatible, IPv4-mapped, IPv4-translated
    /// and ISATAP addresses (see <see cref="JsonWriter.WriteIpv6"/>).
    /// </summary>
    public class JsonWriterAddressTests
    {
        // Runs of zeros and the groups that turn on the dotted quad, so that compression and
        // the embedded-IPv4 forms come up far more often than in uniform bytes.
        private static readonly Gen<ushort> BiasedGroup = Gen.Frequency(
            (6, Gen.Const((ushort)0)),
            (2, Gen.UShort),
            (1, Gen.UShort[1, 0xF]),
            (1, Gen.OneOf<ushort>(0xFFFF, 0x5EFE, 0x0100, 0x1000, 0x00FF, 0x0200)));

        private static readonly Gen<byte[]> BiasedAddress = Gen.OneOf(
                BiasedGroup.Array[8],
                Gen.Select(BiasedGroup.Array[2], Gen.UShort.Array[2], (special, low) => new ushort[] { 0, 0, 0, 0, special[0], special[1], low[0], low[1] }),
                Gen.Select(Gen.UShort.Array[4], BiasedGroup.Array[2], (prefix, low) => new ushort[] { prefix[0], prefix[1], prefix[2], prefix[3], 0, 0x5EFE, low[0], low[1] }))
            .Select(ToBytes);

        public static TheoryData<string, string> Ipv6Cases()
        {
            return new TheoryData<string, string>
            {
                { "::", "::" },
                { "::1", "::1" },
                { "1::", "1::" },
                { "2001:db8::1", "2001:db8::1" },
                { "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
                { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
                { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
                { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
                { "1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0" },
                { "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7" },
                { "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
                { "2001:DB8:ABCD:EF01:2345:6789:ABCD:EF01", "2001:db8:abcd:ef01:2345:6789:abcd:ef01" },
                { "fe80::1", "fe80::1" },
                { "fe80::200:5aee:feaa:20a2", "fe80::200:5aee:feaa:20a2" },
                { "ff02::1:ff00:1", "ff02::1:ff00:1" },
                { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
                { "::ffff:0.1.0.0", "::ffff:0.1.0.0" },
                { "::ffff:0:0", "::ffff:0:0" },
                { "::ffff:0.0.0.1", "::ffff:0:1" },
                { "::ffff:0:192.0.2.1", "::ffff:0:192.0.2.1" },
                { "::192.0.2.1", "::192.0.2.1" },
                { "::0.1.0.0", "::0.1.0.0" },
                { "::0.0.255.255", "::ffff" },
                { "::ffff:ffff", "::255.255.255.255" },
                { "::1:0:0", "::1:0:0" },
                { "::fffe:192.0.2.1", "::fffe:c000:201" },
                { "64:ff9b::192.0.2.1", "64:ff9b::c000:201" },
                { "2001:db8::5efe:192.0.2.1", "2001:db8::5efe:192.0.2.1" },
                { "2001:db8:1:2:0:5efe:0.0.0.0", "2001:db8:1:2:0:5efe:0.0.0.0" },
                { "::5efe:0.0.0.1", "::5efe:0.0.0.1" },
                { "2001:db8::200:5efe:192.0.2.1", "2001:db8::200:5efe:c000:201" },
            };
        }

        [Theory]
        [MemberData(nameof(Ipv6Cases))]
        public void Ipv6KnownCases(string address, string expected)
        {
            byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
            Assert.Equal(expected, new IPAddress(bytes).ToString());
            Assert.Equal("\"" + expected + "\"", Ipv6(bytes, 0));
        }

        [Fact]
        public void Ipv6EveryPatternOfZeroGroups()
        {
            foreach (ushort nonzero in new ushort[] { 1, 0xabcd, 0xffff, 0x5efe })
            {
                for (int pattern = 0; pattern < 256; pattern++)
                {
                    var groups = new ushort[8];
                    for (int i = 0; i < 8; i++)
                    {
                        groups[i] = (pattern & (1 << i)) != 0 ? nonzero : (ushort)0;
                    }

                    AssertIpv6LikeDotnet(ToBytes(groups));
                }
            }
        }

        [Fact]
        public void Ipv6EveryEmbeddedIpv4Prefix()
        {
            ushort[] values = { 0, 1, 0x5EFE, 0xFFFF, 0x0102 };
            foreach (ushort high in new ushort[] { 0, 0x2001 })
            {
                foreach (ushort g4 in values)
                {
                    foreach (ushort g5 in values)
                    {
                        foreach (ushort g6 in values)
                        {
                            foreach (ushort g7 in values)
                            {
                                AssertIpv6LikeDotnet(ToBytes(new ushort[] { high, 0, 0, 0, g4, g5, g6, g7 }));
                                AssertIpv6LikeDotnet(ToBytes(new ushort[] { 0, 0, 0, high, g4, g5, g6, g7 }));
                            }
                        }
                    }
                }
            }
        }

        [Fact]
        public void Ipv6AnyAddress()
        {
            Gen.Byte.Array[16].Sample(AssertIpv6LikeDotnet, iter: 20_000, print: Convert.ToHexString);
        }

        [Fact]
        public void Ipv6AnyAddressWithZeroRuns()
        {
            BiasedAddress.Sample(AssertIpv6LikeDotnet, iter: 50_000, print: Convert.ToHexString);
        }

        [Fact]
        public void Ipv6ReadsAtOffset()
        {
            byte[] bytes = new byte[20];
            bytes[2] = 0x20;
            bytes[3] = 0x01;
            bytes[4] = 0x0d;
            bytes[5] = 0xb8;
            bytes[17] = 0x01;
            bytes[18] = 0xff;
            bytes[19] = 0xff;
            Assert.Equal("\"2001:db8::1\"", Ipv6(bytes, 2));
        }

        [Theory]
        [InlineData(0x00000000u, "0.0.0.0")]
        [InlineData(0xFFFFFFFFu, "255.255.255.255")]
        [InlineData(0xC0A80102u, "192.168.1.2")]
        [InlineData(0x7F000001u, "127.0.0.1")]
        [InlineData(0x0A00640Au, "10.0.100.10")]
        [InlineData(0x01020304u, "1.2.3.4")]
        public void Ipv4KnownCases(uint address, string expected)
        {
            Assert.Equal("\"" + expected + "\"", Written.By(writer => writer.WriteIpv4(address)));
        }

        [Fact]
        public void Ipv4AnyAddress()
        {
            Gen.OneOf(Gen.UInt, Gen.Byte.Array[4].Select(b => (uint)(b[0] % 11 << 24 | b[1] % 101 << 16 | b[2] << 8 | b[3] % 10))).Sample(
                address =>
                {
                    var bytes = new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address };
                    Assert.Equal("\"" + new IPAddress(bytes) + "\"", Written.By(writer => writer.WriteIpv4(address)));
                },
                iter: 20_000);
        }

        private static void AssertIpv6LikeDotnet(byte[] bytes)
        {
            Assert.Equal("\"" + new IPAddress(bytes) + "\"", Ipv6(bytes, 0));
        }

        private static string Ipv6(byte[] bytes, int offset)
        {
            return Written.By(writer => writer.WriteIpv6(bytes, offset));
        }

        private static byte[] ToBytes(ushort[] groups)
        {
            var bytes = new byte[16];
            for (int i = 0; i < 8; i++)
            {
                bytes[2 * i] = (byte)(groups[i] >> 8);
                bytes[2 * i + 1] = (byte)groups[i];
            }

            return bytes;
        }
    }
}
