using System;

namespace NanoSecurity
{
    /// <summary>
    /// ISO 8601 durations as the module twin's <c>TimeConfiguration</c> writes them: the pattern
    /// of Microsoft's azureiotsecurity_schema_definitions.json, read with the legacy C agent's
    /// units, and written back in the shortest form of days, hours, minutes and seconds.
    /// </summary>
    /// <remarks>
    /// The schema's pattern is
    /// <c>^P(?!$)((\d+Y)|(\d+\.\d+Y$))?((\d+M)|(\d+\.\d+M$))?((\d+W)|(\d+\.\d+W$))?((\d+D)|(\d+\.\d+D$))?(T(?=\d)((\d+H)|(\d+\.\d+H$))?((\d+M)|(\d+\.\d+M$))?(\d+(\.\d+)?S)?)??$</c>:
    /// components in the order Y M W D, then T and H M S, each at most once, at least one of
    /// them, ASCII digits only, and a fraction (<c>1.5</c>) only in the last component. The C
    /// agent counts a year as 365 days, a month as 30 days and a week as 7 days; so does this
    /// reader. The module schedules in whole seconds, so a fraction of a second is dropped.
    /// </remarks>
    internal static class IsoDuration
    {
        private const long Minute = 60;
        private const long Hour = 60 * Minute;
        private const long Day = 24 * Hour;
        private const long Week = 7 * Day;
        private const long Month = 30 * Day;
        private const long Year = 365 * Day;

        // Digits of one component beyond this value only say "very long": capping each
        // component here keeps the sum of all seven (at most 7 * 1e10 * Year) inside a long.
        private const long ComponentCap = 10000000000L;

        // The order of the designators; the time ones only count after 'T'.
        private const string DateDesignators = "YMWD";
        private const string TimeDesignators = "HMS";

        /// <summary>
        /// Reads a duration that matches the schema's pattern. Nothing is allocated.
        /// </summary>
        /// <param name="text">The duration, e.g. <c>PT7M</c> or <c>P1DT12H</c>.</param>
        /// <param name="seconds">
        /// Whole seconds, the fraction of a second dropped; <see cref="long.MaxValue"/> when the
        /// duration is too long to count (far beyond any limit the caller applies); 0 when the
        /// method returns false.
        /// </param>
        /// <returns>False when <paramref name="text"/> is null or does not match the pattern.</returns>
        internal static bool TryParse(string text, out long seconds)
        {
            seconds = 0;
            if (text == null || text.Length < 2 || text[0] != 'P')
            {
                return false;
            }

            long total = 0;
            bool huge = false;
            bool inTime = false;

            // Index into Y M W D H M S of the last component read: each must follow the one before.
            int lastOrder = -1;
            int p = 1;
            while (p < text.Length)
            {
                if (text[p] == 'T')
                {
                    // The pattern's T(?=\d): one T, and a component right after it.
                    if (inTime || p + 1 == text.Length || !IsDigit(text[p + 1]))
                    {
                        return false;
                    }

                    inTime = true;
                    p++;
                }

                int start = p;
                long whole = 0;
                while (p < text.Length && IsDigit(text[p]))
                {
                    whole = whole * 10 + (text[p] - '0');
                    if (whole > ComponentCap)
                    {
                        huge = true;
                        whole = ComponentCap;
                    }

                    p++;
                }

                if (p == start)
                {
                    return false;
                }

                int fractionStart = -1;
                int fractionEnd = -1;
                if (p < text.Length && text[p] == '.')
                {
                    p++;
                    fractionStart = p;
                    while (p < text.Length && IsDigit(text[p]))
                    {
                        p++;
                    }

                    fractionEnd = p;
                    if (fractionEnd == fractionStart)
                    {
                        return false;
                    }
                }

                if (p == text.Length)
                {
                    return false;
                }

                int order = inTime ? TimeDesignators.IndexOf(text[p]) : DateDesignators.IndexOf(text[p]);
                if (order < 0)
                {
                    return false;
                }

                if (inTime)
                {
                    order += DateDesignators.Length;
                }

                p++;

                // Only the last component may have a fraction (the pattern's "$" after it).
                if (order <= lastOrder || (fractionStart >= 0 && p != text.Length))
                {
                    return false;
                }

                lastOrder = order;
                long unit = UnitOf(order);
                total += whole * unit;
                if (fractionStart >= 0)
                {
                    total += FractionOf(text, fractionStart, fractionEnd, unit);
                }
            }

            // "P" alone is refused by the first check; "PT" by the T rule; so lastOrder >= 0 here.
            seconds = huge ? long.MaxValue : total;
            return true;
        }

        /// <summary>
        /// Writes whole seconds as the shortest <c>P[nD][T[nH][nM][nS]]</c>, e.g. <c>PT7M</c>,
        /// <c>PT1H30M</c>, <c>P1D</c>; 0 is <c>PT0S</c>. Days are not folded into weeks, months
        /// or years: those are not the calendar's, so a reader could take <c>P1M</c> for a month
        /// of 31 days. Every result matches the schema's pattern.
        /// </summary>
        /// <param name="seconds">The duration; not negative.</param>
        /// <returns>The text.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="seconds"/> is negative.</exception>
        internal static string Format(long seconds)
        {
            if (seconds < 0)
            {
                throw new ArgumentOutOfRangeException("seconds");
            }

            if (seconds == 0)
            {
                return "PT0S";
            }

            long days = seconds / Day;
            long rest = seconds % Day;
            string text = days > 0 ? "P" + days.ToString() + "D" : "P";
            if (rest > 0)
            {
                text += "T";
                text = Append(text, rest / Hour, "H");
                text = Append(text, rest % Hour / Minute, "M");
                text = Append(text, rest % Minute, "S");
            }

            return text;
        }

        private static string Append(string text, long count, string designator)
        {
            return count > 0 ? text + count.ToString() + designator : text;
        }

        private static bool IsDigit(char c)
        {
            return c >= '0' && c <= '9';
        }

        private static long UnitOf(int order)
        {
            switch (order)
            {
                case 0:
                    return Year;
                case 1:
                    return Month;
                case 2:
                    return Week;
                case 3:
                    return Day;
                case 4:
                    return Hour;
                case 5:
                    return Minute;
                default:
                    return 1;
            }
        }

        /// <summary>
        /// The whole seconds of <c>0.dddd × unit</c>, exactly, for any number of digits: from the
        /// last digit to the first, floor((d·unit + floor(rest)) / 10) equals floor((d·unit + rest) / 10)
        /// because d·unit is whole, and every step stays below 10·unit.
        /// </summary>
        private static long FractionOf(string text, int start, int end, long unit)
        {
            long value = 0;
            for (int i = end - 1; i >= start; i--)
            {
                value = ((text[i] - '0') * unit + value) / 10;
            }

            return value;
        }
    }
}
