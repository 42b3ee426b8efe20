using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>DateTime arithmetic, RFC 3339 timestamps and ISO 8601 durations.</summary>
    internal static class TimeChecks
    {
        internal static void Run(Check check)
        {
            var json = new JsonWriter(64);
            var utc = new DateTime(2026, 12, 31, 23, 59, 59, 987);
            json.WriteTimestampUtc(utc);
            check.Ascii("rfc3339-utc", "\"2026-12-31T23:59:59.987Z\"", json.Buffer, 0, json.Length);

            json.Clear();
            json.WriteTimestampLocal(utc, 60);
            check.Ascii("rfc3339-local-crosses-year", "\"2027-01-01T00:59:59.987+01:00\"", json.Buffer, 0, json.Length);

            json.Clear();
            json.WriteTimestampLocal(new DateTime(2028, 3, 1, 2, 0, 0, 0), -330);
            check.Ascii("rfc3339-local-negative-leap-year", "\"2028-02-29T20:30:00.000-05:30\"", json.Buffer, 0, json.Length);

            json.Clear();
            json.WriteTimestampLocal(utc, 0);
            check.Ascii("rfc3339-local-zero-offset", "\"2026-12-31T23:59:59.987+00:00\"", json.Buffer, 0, json.Length);

            var epoch = new DateTime(1970, 1, 1, 0, 0, 0);
            long unixSeconds = (utc.Ticks - epoch.Ticks) / TimeSpan.TicksPerSecond;
            check.Equal("unix-seconds", 1798761599, unixSeconds);
            check.Equal("add-milliseconds", "2027-01-01", Day(utc.AddMilliseconds(13)));

            Parsed(check, "iso-minutes", "PT7M", 420);
            Parsed(check, "iso-hours", "PT1H", 3600);
            Parsed(check, "iso-mixed", "P1DT2H3M4S", 93784);
            Parsed(check, "iso-default-snapshot", "PT13H", 46800);
            Parsed(check, "iso-weeks", "P2W", 1209600);
            Refused(check, "iso-refuses-empty", "PT");
            Refused(check, "iso-refuses-fraction-garbage", "PT1.5.2S");
            Refused(check, "iso-refuses-no-P", "T5M");
            Refused(check, "iso-refuses-negative", "-PT5M");

            check.Equal("iso-format-minutes", "PT7M", IsoDuration.Format(420));
            check.Equal("iso-format-mixed", "P1DT2H3M4S", IsoDuration.Format(93784));
            check.Equal("iso-format-zero", "PT0S", IsoDuration.Format(0));
        }

        private static string Day(DateTime time)
        {
            return time.Year.ToString() + "-" + Two(time.Month) + "-" + Two(time.Day);
        }

        private static string Two(int value)
        {
            return value < 10 ? "0" + value.ToString() : value.ToString();
        }

        private static void Parsed(Check check, string name, string text, long expected)
        {
            long seconds;
            bool ok = IsoDuration.TryParse(text, out seconds);
            check.True(name, ok && seconds == expected, text + ": expected " + expected.ToString() + " got " + (ok ? seconds.ToString() : "refused"));
        }

        private static void Refused(Check check, string name, string text)
        {
            long seconds;
            check.True(name, !IsoDuration.TryParse(text, out seconds), text + " was accepted as " + seconds.ToString());
        }
    }
}
