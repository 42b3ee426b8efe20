using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>No write allocates: on the device every allocation is a step towards a GC pause.</summary>
    public class JsonWriterAllocationTests
    {
        [Fact]
        public void WritesAllocateNothing()
        {
            var writer = new JsonWriter(64 * 1024);
            byte[] ipv6 = Convert.FromHexString("fe800000000000000200c0fffe0a0b0c");
            byte[] mapped = Convert.FromHexString("00000000000000000000ffffc0a80102");
            byte[] guid = Convert.FromHexString("5d2f7a103b4c4e6f8a9b0c1d2e3f4a5b");
            string text = "caf\u00e9 \"quoted\" \\ \n\t\u0001 \u4e2d\u6587 \ud83d\ude00 \ud800";
            var utc = new DateTime(2024, 2, 29, 18, 29, 59, 999, DateTimeKind.Utc);

            WriteAll(writer, ipv6, mapped, guid, text, utc);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                WriteAll(writer, ipv6, mapped, guid, text, utc);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
        }

        private static void WriteAll(JsonWriter writer, byte[] ipv6, byte[] mapped, byte[] guid, string text, DateTime utc)
        {
            writer.Clear();
            writer.WriteRaw("{\"Name\":");
            writer.WriteString(text);
            writer.WriteString(null);
            writer.WriteByte((byte)',');
            writer.WriteUInt64(ulong.MaxValue);
            writer.WriteInt64(long.MinValue);
            writer.WriteQuotedUInt64(443);
            writer.WriteIpv4(0xC0A80102);
            writer.WriteIpv6(ipv6, 0);
            writer.WriteIpv6(mapped, 0);
            writer.WriteTimestampUtc(utc);
            writer.WriteTimestampLocal(utc, 330);
            writer.WriteTimestampLocal(utc, -480);
            writer.WriteGuid(guid, 0);
            Uuid.MakeVersion4(guid, 0);

            // The overflow path too: a token that does not fit and the writes after it.
            writer.Limit = writer.Length + 4;
            writer.WriteString(text);
            writer.WriteUInt64(12345);
            writer.Reset(writer.Length);
            Assert.False(writer.Overflowed);
        }
    }
}
