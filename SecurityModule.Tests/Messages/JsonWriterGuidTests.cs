using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>WriteGuid, and the version 4 UUIDs that <see cref="Uuid"/> makes of random bytes.</summary>
    public class JsonWriterGuidTests
    {
        [Fact]
        public void WritesBytesInOrder()
        {
            byte[] bytes = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF };
            Assert.Equal("\"00112233-4455-6677-8899-aabbccddeeff\"", Written.By(writer => writer.WriteGuid(bytes, 0)));
        }

        [Fact]
        public void ReadsAtOffset()
        {
            byte[] bytes = new byte[20];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(0xF0 + i);
            }

            Assert.Equal("\"f3f4f5f6-f7f8-f9fa-fbfc-fdfeff000102\"", Written.By(writer => writer.WriteGuid(bytes, 3)));
        }

        [Fact]
        public void AnyBytesMatchHex()
        {
            Gen.Byte.Array[16].Sample(
                bytes =>
                {
                    string hex = Convert.ToHexString(bytes).ToLowerInvariant();
                    string expected = hex[..8] + "-" + hex[8..12] + "-" + hex[12..16] + "-" + hex[16..20] + "-" + hex[20..];
                    string written = Written.By(writer => writer.WriteGuid(bytes, 0));
                    Assert.Equal("\"" + expected + "\"", written);

                    // System.Guid agrees once told the bytes are big-endian (RFC 4122 order).
                    Assert.Equal("\"" + new Guid(bytes, bigEndian: true) + "\"", written);
                },
                iter: 10_000,
                print: Convert.ToHexString);
        }

        [Fact]
        public void MakeVersion4GivesVersion4AndTheRfc4122Variant()
        {
            Gen.Byte.Array[20].Sample(
                random =>
                {
                    byte[] bytes = (byte[])random.Clone();
                    Uuid.MakeVersion4(bytes, 2);
                    string text = Written.By(writer => writer.WriteGuid(bytes, 2)).Trim('"');

                    Guid parsed = Guid.Parse(text);
                    Assert.Equal('4', text[14]);
                    Assert.Contains(text[19], "89ab");
                    Assert.Equal(4, parsed.Version);
                    Assert.InRange(parsed.Variant, 8, 0xB);
                    Assert.Equal(text, new Guid(bytes.AsSpan(2, 16), bigEndian: true).ToString());

                    // Only the version nibble and the variant bits change.
                    for (int i = 0; i < bytes.Length; i++)
                    {
                        byte mask = i == 8 ? (byte)0xF0 : i == 10 ? (byte)0xC0 : (byte)0;
                        Assert.Equal(random[i] & ~mask & 0xFF, bytes[i] & ~mask & 0xFF);
                    }
                },
                iter: 10_000,
                print: Convert.ToHexString);
        }
    }
}
