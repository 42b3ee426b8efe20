using System.Net;
using System.Net.Sockets;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Detections
{
    /// <summary>CIDR parsing: canonical text, edges (/0, /32, /128, host bits set), clear errors, and a fuzz against System.Net.IPAddress.</summary>
    public class CidrRangeTests
    {
        [Theory]
        [InlineData("203.0.113.7/24", "203.0.113.0/24")]
        [InlineData("203.0.113.7", "203.0.113.7/32")]
        [InlineData("203.0.113.7/32", "203.0.113.7/32")]
        [InlineData("10.255.255.255/8", "10.0.0.0/8")]
        [InlineData("1.2.3.4/0", "0.0.0.0/0")]
        [InlineData("127.0.0.0/8", "127.0.0.0/8")]
        [InlineData("2001:db8::1/128", "2001:db8::1/128")]
        [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1/128")]
        [InlineData("2001:db8::ff/120", "2001:db8::/120")]
        [InlineData("2001:db8:abcd:1234::/33", "2001:db8:8000::/33")]
        [InlineData("::/0", "::/0")]
        [InlineData("::1", "::1/128")]
        [InlineData("fe80::1/10", "fe80::/10")]
        [InlineData("::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128")]
        [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128")]
        public void ARangeIsReadAndWrittenCanonically(string text, string canonical)
        {
            var range = new CidrRange();
            Assert.Null(CidrRange.TryParse(text, range));
            Assert.Equal(canonical, range.Text);
        }

        [Theory]
        [InlineData(null, "required")]
        [InlineData("", "empty")]
        [InlineData("1.2.3", "4 parts")]
        [InlineData("1.2.3.4.5", "4 parts")]
        [InlineData("1.2.3.256", "0..255")]
        [InlineData("1.2.3.04", "may not start with 0")]
        [InlineData("1.2.3.4/33", "0..32")]
        [InlineData("1.2.3.4/", "0..32")]
        [InlineData("1.2.3.4/-1", "0..32")]
        [InlineData("1.2.3.4/1/2", "0..32")]
        [InlineData("::1/129", "0..128")]
        [InlineData("1:2:3:4:5:6:7:8:9", "at most 8 groups")]
        [InlineData("1:2:3:4:5:6:7", "8 groups")]
        [InlineData("1::2::3", "only once")]
        [InlineData("12345::", "1..4 hexadecimal")]
        [InlineData("g::", "not a hexadecimal digit")]
        [InlineData(":1::", "start with a colon")]
        [InlineData("1::2:", "end with a single colon")]
        [InlineData("1:2:3:4:5:6:7:8::", "at least one group")]
        [InlineData("1.2.3.4::", "last 32 bits")]
        [InlineData("fe80::1%eth0", "hexadecimal")]
        public void ABadRangeIsRefusedWithAClearError(string text, string expected)
        {
            string error = CidrRange.TryParse(text, new CidrRange());
            Assert.NotNull(error);
            Assert.Contains(expected, error);
            if (!string.IsNullOrEmpty(text))
            {
                Assert.Contains("\"" + text + "\"", error);
            }
        }

        [Fact]
        public void TextLongerThanAnyRangeIsRefusedWithoutBeingRead()
        {
            string error = CidrRange.TryParse(new string('1', 10_000), new CidrRange());
            Assert.Equal("a CIDR range is at most 64 chars, found 10000", error);
        }

        [Fact]
        public void TheEdgesMatchWhatTheyShould()
        {
            var list = new AddressRuleList(8);
            Add(list, "0.0.0.0/0");
            Assert.Equal(0, list.MatchIpv4(0));
            Assert.Equal(0, list.MatchIpv4(0xFFFFFFFF));
            Assert.Equal(-1, list.MatchIpv6(0, 0, 0, 1));

            list.Clear();
            Add(list, "203.0.113.7/32");
            Assert.Equal(0, list.MatchIpv4(0xCB007107));
            Assert.Equal(-1, list.MatchIpv4(0xCB007106));
            Assert.Equal(-1, list.MatchIpv4(0xCB007108));

            list.Clear();
            Add(list, "::/0");
            Assert.Equal(0, list.MatchIpv6(0xFFFFFFFF, 1, 2, 3));
            Assert.Equal(-1, list.MatchIpv4(0x01020304));

            list.Clear();
            Add(list, "2001:db8::1/128");
            Assert.Equal(0, list.MatchIpv6(0x20010DB8, 0, 0, 1));
            Assert.Equal(-1, list.MatchIpv6(0x20010DB8, 0, 0, 2));

            list.Clear();
            Add(list, "203.0.113.99/24");
            Add(list, "198.51.100.0/24");
            Assert.Equal(0, list.MatchIpv4(0xCB0071FF));
            Assert.Equal(1, list.MatchIpv4(0xC6336401));
            Assert.Equal(-1, list.MatchIpv4(0xCB007200));
        }

        [Fact]
        public void AFullListRefusesMoreRanges()
        {
            var list = new AddressRuleList(1);
            Add(list, "10.0.0.0/8");
            var range = new CidrRange();
            CidrRange.TryParse("11.0.0.0/8", range);
            Assert.False(list.Add(range));
            Assert.Equal(1, list.Count);
        }

        /// <summary>Any text: never an exception, and what is accepted is what System.Net reads, host bits cleared.</summary>
        [Fact]
        public void FuzzedTextNeverThrowsAndAgreesWithSystemNet()
        {
            Gen<string> text = Gen.Char["0123456789abcdefABCDEF:./%x "].Array[0, 70].Select(c => new string(c));
            text.Sample(t =>
            {
                var range = new CidrRange();
                string error = CidrRange.TryParse(t, range);
                if (error != null)
                {
                    Assert.False(string.IsNullOrWhiteSpace(error));
                    return;
                }

                int slash = t.IndexOf('/');
                IPAddress address = IPAddress.Parse(slash < 0 ? t : t.Substring(0, slash));
                AssertSameRange(address, slash < 0 ? -1 : int.Parse(t.Substring(slash + 1)), range);
            }, iter: 200_000);
        }

        /// <summary>Every address and prefix, written as System.Net writes it, reads back as the same range, and its text reads back unchanged.</summary>
        [Fact]
        public void EveryRangeSystemNetWritesIsReadBack()
        {
            Gen.Select(Gen.Bool, Gen.Byte.Array[16], Gen.Int[0, 128]).Sample((v6, bytes, prefix) =>
            {
                var address = new IPAddress(v6 ? bytes : bytes[..4]);
                prefix = v6 ? prefix : prefix % 33;
                var range = new CidrRange();
                Assert.Null(CidrRange.TryParse(address + "/" + prefix, range));
                AssertSameRange(address, prefix, range);
                Assert.True(range.Text.Length <= CidrRange.MaxCanonicalLength, range.Text);
                var again = new CidrRange();
                Assert.Null(CidrRange.TryParse(range.Text, again));
                Assert.Equal(range.Text, again.Text);
            }, iter: 50_000);
        }

        /// <summary>Matching agrees with a mask computed by System.Net's own bytes.</summary>
        [Fact]
        public void MatchingAgreesWithAnOracle()
        {
            Gen.Select(Gen.Byte.Array[16], Gen.Int[0, 128], Gen.Byte.Array[16], Gen.Bool).Sample((net, prefix, probe, v6) =>
            {
                int length = v6 ? 16 : 4;
                prefix = v6 ? prefix : prefix % 33;
                var range = new CidrRange();
                Assert.Null(CidrRange.TryParse(new IPAddress(net[..length]) + "/" + prefix, range));
                var list = new AddressRuleList(1);
                list.Add(range);
                bool expected = true;
                for (int bit = 0; bit < prefix; bit++)
                {
                    int mask = 0x80 >> (bit % 8);
                    expected &= (net[bit / 8] & mask) == (probe[bit / 8] & mask);
                }

                int found = v6
                    ? list.MatchIpv6(Word(probe, 0), Word(probe, 4), Word(probe, 8), Word(probe, 12))
                    : list.MatchIpv4(Word(probe, 0));
                Assert.Equal(expected ? 0 : -1, found);
            }, iter: 50_000);
        }

        private static uint Word(byte[] b, int o) => CidrRange.ReadWord(b, o);

        private static void AssertSameRange(IPAddress address, int prefix, CidrRange range)
        {
            bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
            Assert.Equal(v6, range.IsIpv6);
            int max = v6 ? 128 : 32;
            Assert.Equal(prefix < 0 ? max : prefix, range.PrefixLength);
            byte[] expected = address.GetAddressBytes();
            for (int bit = 0; bit < max; bit++)
            {
                int mask = 0x80 >> (bit % 8);
                bool set = bit < range.PrefixLength && (expected[bit / 8] & mask) != 0;
                Assert.Equal(set, (range.Address[bit / 8] & mask) != 0);
            }
        }

        internal static void Add(AddressRuleList list, string text)
        {
            var range = new CidrRange();
            Assert.Null(CidrRange.TryParse(text, range));
            Assert.True(list.Add(range));
        }
    }
}
