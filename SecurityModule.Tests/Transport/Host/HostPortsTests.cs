using NanoSecurity.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>The PC target's clocks and randomness.</summary>
    public sealed class HostPortsTests
    {
        [Fact]
        public void TheMonotonicClockStartsNearZeroAndFollowsRealTime()
        {
            var clock = new StopwatchMonotonicClock();
            long start = clock.ElapsedMilliseconds;
            Thread.Sleep(50);
            long later = clock.ElapsedMilliseconds;

            Assert.InRange(start, 0, 1000);
            Assert.InRange(later - start, 45, 5000);
        }

        [Fact]
        public void TheUtcClockIsAlwaysValidAndGivesTheLocalOffset()
        {
            var clock = new SystemUtcClock();

            Assert.True(clock.TryGetUtcNow(out DateTime now));
            Assert.Equal(DateTimeKind.Utc, now.Kind);
            Assert.InRange((DateTime.UtcNow - now).TotalSeconds, -1, 5);
            Assert.Equal((int)TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalMinutes, clock.UtcOffsetMinutes);
        }

        [Fact]
        public void TheRandomSourceStaysInRangeAndFillsBuffers()
        {
            var random = new CryptoRandomSource();
            var seen = new HashSet<int>();
            for (int i = 0; i < 1000; i++)
            {
                int value = random.Next(10);
                Assert.InRange(value, 0, 9);
                seen.Add(value);
            }

            Assert.Equal(10, seen.Count);
            Assert.Equal(0, random.Next(1));
            Assert.Throws<ArgumentOutOfRangeException>(() => random.Next(0));

            var a = new byte[32];
            var b = new byte[32];
            random.NextBytes(a);
            random.NextBytes(b);
            Assert.NotEqual(a, b);
        }
    }
}
