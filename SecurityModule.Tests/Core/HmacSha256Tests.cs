using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    public class HmacSha256Tests
    {
        private static readonly byte[] LargeKey = Repeat(0xaa, 131);

        // RFC 4231 §4.2-4.8: key, data, HMAC-SHA-256 (case 5: the first 128 bits only).
        public static readonly TheoryData<int, byte[], byte[], string> Rfc4231 = new()
        {
            { 1, Repeat(0x0b, 20), Ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
            { 2, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
            { 3, Repeat(0xaa, 20), Repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
            { 4, Enumerable.Range(1, 25).Select(i => (byte)i).ToArray(), Repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
            { 5, Repeat(0x0c, 20), Ascii("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b" },
            { 6, LargeKey, Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
            {
                7,
                LargeKey,
                Ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            },
        };

        [Theory]
        [MemberData(nameof(Rfc4231))]
        public void MatchesRfc4231AndTheFramework(int testCase, byte[] key, byte[] data, string expectedHex)
        {
            byte[] ours = Compute(key, data);
            byte[] framework = HMACSHA256.HashData(key, data);

            Assert.Equal(framework, ours);
            int compared = expectedHex.Length / 2;
            Assert.True(testCase != 5 || compared == 16);
            Assert.Equal(expectedHex, Convert.ToHexStringLower(ours, 0, compared));
        }

        [Fact]
        public void MatchesTheFrameworkForRandomKeysAndData()
        {
            // Keys around the 64-byte block edge and past it, data across several blocks. Each
            // iteration makes its own instance: CsCheck runs them on several threads.
            Gen.Select(Gen.Byte.Array[0, 150], Gen.Byte.Array[0, 300]).Sample((key, data) =>
            {
                Assert.Equal(HMACSHA256.HashData(key, data), Compute(key, data));
            }, iter: 1000);
        }

        [Fact]
        public void HonoursOffsetsAndGivesTheSameMacEveryTime()
        {
            byte[] key = Ascii("key");
            byte[] data = Ascii("..The quick brown fox..");
            byte[] expected = HMACSHA256.HashData(key, data.AsSpan(2, data.Length - 4));
            var hmac = new HmacSha256(key);
            var output = new byte[40];
            for (int round = 0; round < 3; round++)
            {
                hmac.Compute(data, 2, data.Length - 4, output, 5);
                Assert.Equal(expected, output.AsSpan(5, 32).ToArray());
            }
        }

        [Fact]
        public void BadRangesThrowAndLeaveTheInstanceUsable()
        {
            var hmac = new HmacSha256(Ascii("key"));
            var output = new byte[32];
            Assert.Throws<ArgumentOutOfRangeException>(() => hmac.Compute(new byte[4], 2, 3, output, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => hmac.Compute(new byte[4], 0, 4, output, 1));
            Assert.Throws<ArgumentNullException>(() => hmac.Compute(null, 0, 0, output, 0));
            Assert.Throws<ArgumentNullException>(() => new HmacSha256(null));

            hmac.Compute(Ascii("abc"), 0, 3, output, 0);
            Assert.Equal(HMACSHA256.HashData(Ascii("key"), Ascii("abc")), output);
        }

        [Fact]
        public void ComputeAllocatesNothing()
        {
            var hmac = new HmacSha256(LargeKey);
            var data = new byte[200];
            var output = new byte[32];
            hmac.Compute(data, 0, data.Length, output, 0);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                hmac.Compute(data, i % 50, 150, output, 0);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        private static byte[] Compute(byte[] key, byte[] data)
        {
            var output = new byte[32];
            new HmacSha256(key).Compute(data, 0, data.Length, output, 0);
            return output;
        }

        private static byte[] Repeat(byte value, int count)
        {
            return Enumerable.Repeat(value, count).ToArray();
        }

        private static byte[] Ascii(string text)
        {
            return Encoding.ASCII.GetBytes(text);
        }
    }
}
