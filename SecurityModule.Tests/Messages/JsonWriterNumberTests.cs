using System.Globalization;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>The decimal writers against .NET's invariant ToString.</summary>
    public class JsonWriterNumberTests
    {
        public static TheoryData<ulong> UnsignedEdges()
        {
            var values = new TheoryData<ulong> { 0UL, ulong.MaxValue, ulong.MaxValue - 1, long.MaxValue, (ulong)long.MaxValue + 1, uint.MaxValue, (ulong)uint.MaxValue + 1 };
            ulong power = 1;
            for (int digits = 1; digits <= 19; digits++)
            {
                power *= 10;
                values.Add(power - 1);
                values.Add(power);
                values.Add(power + 1);
            }

            return values;
        }

        public static TheoryData<long> SignedEdges()
        {
            var values = new TheoryData<long> { 0L, 1L, -1L, long.MinValue, long.MinValue + 1, long.MaxValue, int.MinValue, (long)int.MinValue - 1, int.MaxValue };
            long power = 1;
            for (int digits = 1; digits <= 18; digits++)
            {
                power *= 10;
                values.Add(power - 1);
                values.Add(-power);
                values.Add(-(power - 1));
                values.Add(power);
            }

            return values;
        }

        [Theory]
        [MemberData(nameof(UnsignedEdges))]
        public void UInt64MatchesToString(ulong value)
        {
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Written.By(writer => writer.WriteUInt64(value)));
        }

        [Theory]
        [MemberData(nameof(UnsignedEdges))]
        public void QuotedUInt64MatchesToString(ulong value)
        {
            Assert.Equal("\"" + value.ToString(CultureInfo.InvariantCulture) + "\"", Written.By(writer => writer.WriteQuotedUInt64(value)));
        }

        [Theory]
        [MemberData(nameof(SignedEdges))]
        public void Int64MatchesToString(long value)
        {
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Written.By(writer => writer.WriteInt64(value)));
        }

        [Fact]
        public void AnyUInt64MatchesToString()
        {
            Gen.OneOf(Gen.ULong, Gen.ULong[0, 100_000], Gen.UInt.Select(value => (ulong)value)).Sample(
                value =>
                {
                    Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Written.By(writer => writer.WriteUInt64(value)));
                    Assert.Equal("\"" + value.ToString(CultureInfo.InvariantCulture) + "\"", Written.By(writer => writer.WriteQuotedUInt64(value)));
                },
                iter: 20_000);
        }

        [Fact]
        public void AnyInt64MatchesToString()
        {
            Gen.OneOf(Gen.Long, Gen.Long[-100_000, 100_000], Gen.Int.Select(value => (long)value)).Sample(
                value => Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Written.By(writer => writer.WriteInt64(value))),
                iter: 20_000);
        }
    }
}
