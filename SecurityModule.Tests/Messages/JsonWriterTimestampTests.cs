using System.Globalization;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>The timestamp writers against DateTime.ToString with an invariant format.</summary>
    public class JsonWriterTimestampTests
    {
        private const string Format = "yyyy-MM-ddTHH:mm:ss.fff";

        // Offsets stay a day away from both ends of DateTime's range.
        private static readonly Gen<DateTime> AnyTime = Gen.OneOf(
                Gen.Long[DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay],
                Gen.Long[new DateTime(1999, 12, 31).Ticks, new DateTime(2040, 1, 1).Ticks])
            .Select(ticks => new DateTime(ticks, DateTimeKind.Utc));

        private static readonly Gen<int> AnyOffset = Gen.OneOf(
            Gen.Int[-(23 * 60 + 59), 23 * 60 + 59],
            Gen.OneOf(0, 1, -1, 30, -30, 60, -60, 330, 345, -210, 525, 840, -720, 23 * 60 + 59, -(23 * 60 + 59)));

        [Theory]
        [InlineData(2024, 2, 29, 18, 29, 59, 999, "\"2024-02-29T18:29:59.999Z\"")]
        [InlineData(1, 1, 1, 0, 0, 0, 0, "\"0001-01-01T00:00:00.000Z\"")]
        [InlineData(9999, 12, 31, 23, 59, 59, 999, "\"9999-12-31T23:59:59.999Z\"")]
        [InlineData(2000, 10, 5, 7, 8, 9, 10, "\"2000-10-05T07:08:09.010Z\"")]
        [InlineData(987, 1, 2, 3, 4, 5, 6, "\"0987-01-02T03:04:05.006Z\"")]
        public void UtcKnownCases(int year, int month, int day, int hour, int minute, int second, int millisecond, string expected)
        {
            var utc = new DateTime(year, month, day, hour, minute, second, millisecond, DateTimeKind.Utc);
            Assert.Equal(expected, Written.By(writer => writer.WriteTimestampUtc(utc)));
        }

        [Theory]
        [InlineData(0, "\"2024-02-29T18:29:59.999+00:00\"")]
        [InlineData(330, "\"2024-02-29T23:59:59.999+05:30\"")]
        [InlineData(331, "\"2024-03-01T00:00:59.999+05:31\"")]
        [InlineData(-30, "\"2024-02-29T17:59:59.999-00:30\"")]
        [InlineData(-480, "\"2024-02-29T10:29:59.999-08:00\"")]
        [InlineData(-1439, "\"2024-02-28T18:30:59.999-23:59\"")]
        [InlineData(1439, "\"2024-03-01T18:28:59.999+23:59\"")]
        public void LocalKnownCases(int offsetMinutes, string expected)
        {
            var utc = new DateTime(2024, 2, 29, 18, 29, 59, 999, DateTimeKind.Utc);
            Assert.Equal(expected, Written.By(writer => writer.WriteTimestampLocal(utc, offsetMinutes)));
        }

        [Fact]
        public void LocalCrossesTheYear()
        {
            var utc = new DateTime(2023, 12, 31, 23, 0, 0, DateTimeKind.Utc);
            Assert.Equal("\"2024-01-01T01:00:00.000+02:00\"", Written.By(writer => writer.WriteTimestampLocal(utc, 120)));
            Assert.Equal("\"2023-12-31T23:00:00.000Z\"", Written.By(writer => writer.WriteTimestampUtc(utc)));
        }

        [Fact]
        public void SubMillisecondTicksAreTruncated()
        {
            var utc = new DateTime(2024, 1, 1, 0, 0, 0, 999, DateTimeKind.Utc).AddTicks(9999);
            Assert.Equal("\"2024-01-01T00:00:00.999Z\"", Written.By(writer => writer.WriteTimestampUtc(utc)));
        }

        [Theory]
        [InlineData(24 * 60)]
        [InlineData(-24 * 60)]
        [InlineData(int.MaxValue)]
        [InlineData(int.MinValue)]
        public void OffsetBeyondADayIsRefused(int offsetMinutes)
        {
            var writer = new JsonWriter(64);
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteTimestampLocal(new DateTime(2024, 1, 1), offsetMinutes));
            Assert.Equal(0, writer.Length);
        }

        [Fact]
        public void AnyUtcTimeMatchesToString()
        {
            AnyTime.Sample(
                utc => Assert.Equal(
                    "\"" + utc.ToString(Format, CultureInfo.InvariantCulture) + "Z\"",
                    Written.By(writer => writer.WriteTimestampUtc(utc))),
                iter: 20_000);
        }

        [Fact]
        public void AnyLocalTimeMatchesToString()
        {
            Gen.Select(AnyTime, AnyOffset).Sample(
                (utc, offset) =>
                {
                    string sign = offset < 0 ? "-" : "+";
                    int magnitude = Math.Abs(offset);
                    string expected = "\"" + utc.AddMinutes(offset).ToString(Format, CultureInfo.InvariantCulture)
                        + sign + (magnitude / 60).ToString("00") + ":" + (magnitude % 60).ToString("00") + "\"";
                    string written = Written.By(writer => writer.WriteTimestampLocal(utc, offset));
                    Assert.Equal(expected, written);

                    // Read back, the written local time less the written offset is the same instant.
                    written = written.Trim('"');
                    DateTime local = DateTime.ParseExact(written[..23], Format, CultureInfo.InvariantCulture);
                    int minutes = int.Parse(written[24..26], CultureInfo.InvariantCulture) * 60 + int.Parse(written[27..29], CultureInfo.InvariantCulture);
                    TimeSpan writtenOffset = TimeSpan.FromMinutes(written[23] == '-' ? -minutes : minutes);
                    Assert.Equal(utc.Ticks / TimeSpan.TicksPerMillisecond, (local - writtenOffset).Ticks / TimeSpan.TicksPerMillisecond);
                },
                iter: 20_000);
        }
    }
}
