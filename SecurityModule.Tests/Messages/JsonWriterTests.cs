using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>The buffer, the limit and the all-or-nothing rule every write follows.</summary>
    public class JsonWriterTests
    {
        private static readonly byte[] Address = Convert.FromHexString("20010db8000000000001000000000001");
        private static readonly byte[] MappedAddress = Convert.FromHexString("00000000000000000000ffffc0000201");

        public static TheoryData<string> TokenNames()
        {
            var names = new TheoryData<string>();
            foreach (string name in Tokens().Keys)
            {
                names.Add(name);
            }

            return names;
        }

        [Fact]
        public void StartsEmptyWithTheLimitAtCapacity()
        {
            var writer = new JsonWriter(100);
            Assert.Equal(100, writer.Capacity);
            Assert.Equal(100, writer.Buffer.Length);
            Assert.Equal(100, writer.Limit);
            Assert.Equal(0, writer.Length);
            Assert.False(writer.Overflowed);
        }

        [Fact]
        public void WritesFollowEachOther()
        {
            var writer = new JsonWriter(256);
            writer.WriteRaw("{\"Name\":");
            writer.WriteString("x\"y");
            writer.WriteRaw(",\"Count\":");
            writer.WriteInt64(-42);
            writer.WriteRaw(",\"Port\":");
            writer.WriteQuotedUInt64(443);
            writer.WriteByte((byte)',');
            writer.WriteRaw("\"Big\":");
            writer.WriteUInt64(ulong.MaxValue);
            writer.WriteByte((byte)'}');

            string json = Written.Text(writer);
            Assert.Equal("{\"Name\":\"x\\\"y\",\"Count\":-42,\"Port\":\"443\",\"Big\":18446744073709551615}", json);
            using JsonDocument document = JsonDocument.Parse(json);
            Assert.Equal("x\"y", document.RootElement.GetProperty("Name").GetString());
            Assert.Equal(ulong.MaxValue, document.RootElement.GetProperty("Big").GetUInt64());
        }

        [Fact]
        public void RawRefusesNonAscii()
        {
            var writer = new JsonWriter(64);
            writer.WriteRaw("[");
            Assert.Throws<ArgumentException>(() => writer.WriteRaw("{\"Caf\u00e9\":"));
            Assert.Equal(1, writer.Length);
            Assert.False(writer.Overflowed);
        }

        [Theory]
        [MemberData(nameof(TokenNames))]
        public void TokenIsWrittenWholeOrNotAtAll(string name)
        {
            Action<JsonWriter> write = Tokens()[name];
            byte[] whole = Encoding.UTF8.GetBytes(Written.By(write));

            for (int room = 0; room <= whole.Length; room++)
            {
                AssertWholeOrNothing(write, whole, room);
            }
        }

        [Fact]
        public void AnyStringIsWrittenWholeOrNotAtAll()
        {
            Gen.Select(Gen.String, Gen.Int[0, 100]).Sample(
                (text, room) =>
                {
                    byte[] whole = Encoding.UTF8.GetBytes(Written.By(writer => writer.WriteString(text)));
                    AssertWholeOrNothing(writer => writer.WriteString(text), whole, Math.Min(room, whole.Length));
                },
                iter: 5_000);
        }

        [Fact]
        public void OverflowStopsLaterWritesUntilReset()
        {
            var writer = new JsonWriter(16);
            writer.Limit = 4;
            writer.WriteRaw("[1,");
            writer.WriteUInt64(23);
            Assert.True(writer.Overflowed);
            Assert.Equal(3, writer.Length);

            // Would fit, but the message is already missing a token.
            writer.WriteByte((byte)'2');
            writer.WriteRaw("]");
            Assert.Equal(3, writer.Length);

            writer.Reset(writer.Length);
            Assert.False(writer.Overflowed);
            writer.WriteUInt64(2);
            Assert.Equal("[1,2", Written.Text(writer));
        }

        [Fact]
        public void LoweredLimitKeepsRoomForClosingBrackets()
        {
            var writer = new JsonWriter(20);
            writer.WriteRaw("[");
            writer.Limit = writer.Capacity - 1;
            int count = 0;
            while (true)
            {
                int mark = writer.Length;
                writer.WriteRaw(count == 0 ? string.Empty : ",");
                writer.WriteString("item");
                if (writer.Overflowed)
                {
                    writer.Reset(mark);
                    break;
                }

                count++;
            }

            writer.Limit = writer.Capacity;
            writer.WriteRaw("]");
            Assert.False(writer.Overflowed);
            Assert.Equal("[\"item\",\"item\"]", Written.Text(writer));
            Assert.Equal(2, count);
        }

        [Fact]
        public void ResetTruncatesToAMark()
        {
            var writer = new JsonWriter(32);
            writer.WriteRaw("[1");
            int mark = writer.Length;
            writer.WriteRaw(",2");
            writer.Reset(mark);
            writer.WriteRaw("]");
            Assert.Equal("[1]", Written.Text(writer));
        }

        [Fact]
        public void ResetRefusesAMarkPastTheEnd()
        {
            var writer = new JsonWriter(32);
            writer.WriteRaw("[1");
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.Reset(3));
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.Reset(-1));
            Assert.Equal(2, writer.Length);
        }

        [Fact]
        public void ClearEmptiesAndRestoresTheLimit()
        {
            var writer = new JsonWriter(8);
            writer.Limit = 2;
            writer.WriteRaw("[1,2]");
            Assert.True(writer.Overflowed);

            writer.Clear();
            Assert.False(writer.Overflowed);
            Assert.Equal(0, writer.Length);
            Assert.Equal(8, writer.Limit);
            writer.WriteRaw("[1,2]");
            Assert.Equal("[1,2]", Written.Text(writer));
        }

        [Fact]
        public void LimitStaysWithinCapacity()
        {
            var writer = new JsonWriter(8);
            writer.Limit = 0;
            writer.Limit = 8;
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.Limit = 9);
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.Limit = -1);
            Assert.Equal(8, writer.Limit);
        }

        [Fact]
        public void LimitBelowLengthRefusesEveryWrite()
        {
            var writer = new JsonWriter(8);
            writer.WriteRaw("[1,2");
            writer.Limit = 2;
            writer.WriteRaw("]");
            Assert.True(writer.Overflowed);
            Assert.Equal(4, writer.Length);
        }

        private static void AssertWholeOrNothing(Action<JsonWriter> write, byte[] whole, int room)
        {
            var writer = new JsonWriter(whole.Length + 8);
            writer.WriteByte((byte)'[');
            writer.Limit = 1 + room;
            write(writer);

            if (room < whole.Length)
            {
                Assert.True(writer.Overflowed, "room " + room);
                Assert.Equal(1, writer.Length);
                writer.WriteByte((byte)' ');
                Assert.Equal(1, writer.Length);

                writer.Reset(1);
                writer.Limit = writer.Capacity;
                write(writer);
            }

            Assert.False(writer.Overflowed);
            Assert.Equal(1 + whole.Length, writer.Length);
            Assert.Equal((byte)'[', writer.Buffer[0]);
            Assert.Equal(whole, writer.Buffer[1..writer.Length]);
        }

        private static Dictionary<string, Action<JsonWriter>> Tokens()
        {
            var utc = new DateTime(2024, 2, 29, 18, 29, 59, 999, DateTimeKind.Utc);
            return new Dictionary<string, Action<JsonWriter>>
            {
                ["raw"] = writer => writer.WriteRaw("{\"Name\":"),
                ["byte"] = writer => writer.WriteByte((byte)'}'),
                ["string"] = writer => writer.WriteString("a\"b\\c\n\u0001 caf\u00e9 \u4e2d \ud83d\ude00"),
                ["null string"] = writer => writer.WriteString(null),
                ["uint64"] = writer => writer.WriteUInt64(ulong.MaxValue),
                ["int64"] = writer => writer.WriteInt64(long.MinValue),
                ["quoted uint64"] = writer => writer.WriteQuotedUInt64(65535),
                ["ipv4"] = writer => writer.WriteIpv4(0xC0A80102),
                ["ipv6"] = writer => writer.WriteIpv6(Address, 0),
                ["ipv6 mapped"] = writer => writer.WriteIpv6(MappedAddress, 0),
                ["timestamp utc"] = writer => writer.WriteTimestampUtc(utc),
                ["timestamp local"] = writer => writer.WriteTimestampLocal(utc, -570),
                ["guid"] = writer => writer.WriteGuid(Address, 0),
            };
        }
    }
}
