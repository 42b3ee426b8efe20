using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// ISO 8601 durations: accepted exactly when Microsoft's TimeConfiguration pattern matches,
    /// counted with the C agent's units, and written back in a form the pattern accepts.
    /// </summary>
    public class IsoDurationTests
    {
        /// <summary>
        /// The schema's pattern with JSON Schema's (ECMA-262) meaning: \d is ASCII only. .NET's $
        /// also matches before a final newline, which ECMA-262's does not; <see cref="MatchesSchema"/>
        /// refuses that case itself.
        /// </summary>
        internal static readonly Regex SchemaPattern =
            new Regex(TwinSchema.DurationPattern, RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        private static readonly Regex Component = new Regex(@"T|(\d+)(?:\.(\d+))?([YMWDHS])", RegexOptions.CultureInvariant);

        internal static bool MatchesSchema(string text) => SchemaPattern.IsMatch(text) && !text.EndsWith('\n');

        /// <summary>
        /// Whole seconds of a duration that matches the pattern, computed independently with
        /// big integers: Y 365 d, M 30 d (before T) or 1 min (after), W 7 d, D, H, S.
        /// </summary>
        internal static BigInteger ReferenceSeconds(string text)
        {
            bool inTime = false;
            BigInteger numerator = 0;
            BigInteger denominator = BigInteger.Pow(10, text.Length);
            foreach (Match m in Component.Matches(text.Substring(1)))
            {
                if (m.Value == "T")
                {
                    inTime = true;
                    continue;
                }

                long unit = m.Groups[3].Value switch
                {
                    "Y" => 365L * 86400,
                    "M" => inTime ? 60 : 30L * 86400,
                    "W" => 7L * 86400,
                    "D" => 86400,
                    "H" => 3600,
                    _ => 1,
                };
                string fraction = m.Groups[2].Success ? m.Groups[2].Value : "";
                BigInteger digits = BigInteger.Parse(m.Groups[1].Value + fraction);
                numerator += digits * unit * BigInteger.Pow(10, text.Length - fraction.Length);
            }

            return numerator / denominator;
        }

        [Theory]
        [InlineData("PT7M", 420)]
        [InlineData("PT5H", 18000)]
        [InlineData("PT13H", 46800)]
        [InlineData("PT1H", 3600)]
        [InlineData("P1D", 86400)]
        [InlineData("P1W", 604800)]
        [InlineData("P1M", 2592000)]
        [InlineData("P1Y", 31536000)]
        [InlineData("PT1M", 60)]
        [InlineData("PT1S", 1)]
        [InlineData("P1MT1M", 2592060)]
        [InlineData("P0Y0M0W1DT2H3M4S", 86400 + 7200 + 180 + 4)]
        [InlineData("P1Y2M3W4DT5H6M7S", 31536000 + 2 * 2592000 + 3 * 604800 + 4 * 86400 + 5 * 3600 + 6 * 60 + 7)]
        [InlineData("PT1H30M", 5400)]
        [InlineData("PT90M", 5400)]
        [InlineData("PT0S", 0)]
        [InlineData("PT0.5S", 0)]
        [InlineData("PT1.5S", 1)]
        [InlineData("PT1.999999999999999999999999S", 1)]
        [InlineData("PT0.5H", 1800)]
        [InlineData("PT1.5M", 90)]
        [InlineData("P1.5D", 129600)]
        [InlineData("P0.5Y", 15768000)]
        [InlineData("P1DT0.5H", 88200)]
        [InlineData("PT0.3333H", 1199)]
        [InlineData("PT0.33333333333333333333333333333333333334H", 1200)]
        [InlineData("PT0.33333333333333333333333333333333333333H", 1199)]
        [InlineData("P007D", 604800)]
        public void ReadsTheSchemasDurationsWithTheCAgentsUnits(string text, long seconds)
        {
            Assert.True(MatchesSchema(text), text + " should match the schema's pattern");
            Assert.True(IsoDuration.TryParse(text, out long parsed), text);
            Assert.Equal(seconds, parsed);
            Assert.Equal(ReferenceSeconds(text), new BigInteger(parsed));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("P")]
        [InlineData("PT")]
        [InlineData("T1H")]
        [InlineData("P1")]
        [InlineData("PT1")]
        [InlineData("1H")]
        [InlineData("7M")]
        [InlineData("p1d")]
        [InlineData("pt7m")]
        [InlineData("P1H")]
        [InlineData("PT1D")]
        [InlineData("PT1W")]
        [InlineData("P1DT")]
        [InlineData("P1TD")]
        [InlineData("PT1HT1M")]
        [InlineData("P1M1Y")]
        [InlineData("P1D1W")]
        [InlineData("P1D1D")]
        [InlineData("PT1M1H")]
        [InlineData("PT1S1M")]
        [InlineData("P1.5DT1H")]
        [InlineData("PT1.5H2M")]
        [InlineData("P1.5Y1M")]
        [InlineData("P1,5D")]
        [InlineData("P.5D")]
        [InlineData("P1.D")]
        [InlineData("PT.5S")]
        [InlineData("P-1D")]
        [InlineData("P+1D")]
        [InlineData(" PT1H")]
        [InlineData("PT1H ")]
        [InlineData("PT1H\n")]
        [InlineData("PT1 H")]
        [InlineData("PT1h")]
        [InlineData("P\u0661D")]
        [InlineData("PT\uFF11H")]
        [InlineData("PT1H\u0000")]
        public void RefusesWhatThePatternRefuses(string text)
        {
            Assert.False(IsoDuration.TryParse(text, out long seconds), text);
            Assert.Equal(0, seconds);
            if (text != null)
            {
                Assert.False(MatchesSchema(text), text + " should not match the schema's pattern");
            }
        }

        [Fact]
        public void AVeryLongDurationSaturatesInsteadOfOverflowing()
        {
            Assert.True(IsoDuration.TryParse("P99999999999999999999999999Y", out long seconds));
            Assert.Equal(long.MaxValue, seconds);
            Assert.True(IsoDuration.TryParse("P9999999999Y9999999999M9999999999W9999999999DT9999999999H9999999999M9999999999S", out seconds));
            Assert.Equal(ReferenceSeconds("P9999999999Y9999999999M9999999999W9999999999DT9999999999H9999999999M9999999999S"), new BigInteger(seconds));
        }

        [Theory]
        [InlineData(420, "PT7M")]
        [InlineData(18000, "PT5H")]
        [InlineData(46800, "PT13H")]
        [InlineData(3600, "PT1H")]
        [InlineData(86400, "P1D")]
        [InlineData(5400, "PT1H30M")]
        [InlineData(1, "PT1S")]
        [InlineData(61, "PT1M1S")]
        [InlineData(3601, "PT1H1S")]
        [InlineData(90061, "P1DT1H1M1S")]
        [InlineData(604800, "P7D")]
        [InlineData(2592000, "P30D")]
        [InlineData(2591999, "P29DT23H59M59S")]
        [InlineData(0, "PT0S")]
        public void WritesTheShortestDaysHoursMinutesSeconds(long seconds, string text)
        {
            Assert.Equal(text, IsoDuration.Format(seconds));
        }

        [Fact]
        public void RefusesToWriteANegativeDuration()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => IsoDuration.Format(-1));
        }

        [Fact]
        public void EveryWrittenDurationMatchesThePatternAndReadsBackTheSame()
        {
            // Up to 10^10 days: the most a component counts before it saturates.
            Gen.Frequency((3, Gen.Long[0, 3 * 2592000]), (1, Gen.Long[0, 864_000_000_000_000]))
                .Sample(seconds =>
                {
                    string text = IsoDuration.Format(seconds);
                    Assert.True(MatchesSchema(text), text);
                    Assert.True(IsoDuration.TryParse(text, out long back), text);
                    Assert.Equal(seconds, back);
                }, iter: 20_000);
        }

        [Fact]
        public void AcceptsExactlyWhatThePatternAcceptsAndCountsExactly()
        {
            // Strings over the pattern's own alphabet, weighted towards its shape, with now and
            // then a char it never allows.
            const string Alphabet = "PPTYMWDHMS0123456789.0123456789";
            const string Stray = "pt,-+ \n\u0661x";
            var accepted = 0;
            Gen.Select(Gen.Int[0, 14], Gen.Int.Array[14], (length, picks) =>
            {
                var text = new StringBuilder(picks[0] % 4 == 0 ? "" : "P");
                for (int i = 0; i < length; i++)
                {
                    int pick = picks[i] & int.MaxValue;
                    text.Append(pick % 40 == 0 ? Stray[pick / 40 % Stray.Length] : Alphabet[pick % Alphabet.Length]);
                }

                return text.ToString();
            }).Sample(text =>
            {
                bool ours = IsoDuration.TryParse(text, out long seconds);
                Assert.True(MatchesSchema(text) == ours, "\"" + text + "\": pattern " + MatchesSchema(text) + ", ours " + ours);
                if (ours)
                {
                    Interlocked.Increment(ref accepted);
                    BigInteger expected = ReferenceSeconds(text);
                    if (expected <= 10_000_000_000)
                    {
                        Assert.Equal(expected, new BigInteger(seconds));
                    }
                    else
                    {
                        // Far past any limit: exact, or saturated.
                        Assert.True(seconds == long.MaxValue || expected == seconds, text + ": " + seconds + " vs " + expected);
                    }
                }
            }, iter: 200_000);

            Assert.True(accepted > 1000, accepted + " accepted");
        }
    }
}
