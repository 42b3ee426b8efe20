namespace NanoSecurity
{
    /// <summary>
    /// Reads the low half of a surrogate pair in a way that is right on both runtimes. nanoCLR keeps
    /// strings as UTF-8, and its indexer returns the high surrogate again at the low surrogate's
    /// index (<c>"😀"[1]</c> is U+D83D there), while <c>ToCharArray()</c> gives the true UTF-16.
    /// Text is walked by index as usual (no copy for the common BMP-only string); only at a high
    /// surrogate, and only on a runtime whose indexer is wrong there, is its partner read through
    /// <c>ToCharArray()</c>, so .NET stays allocation-free and nanoCLR allocates per non-BMP
    /// character only.
    /// </summary>
    internal static class Utf16
    {
        /// <summary>Whether this runtime's string indexer returns the low half of a pair (.NET yes, nanoCLR no).</summary>
        private static readonly bool IndexerReadsLowSurrogates = "\uD83D\uDE00"[1] == '\uDE00';

        internal const int HighSurrogateFirst = 0xD800;
        internal const int HighSurrogateLast = 0xDBFF;
        internal const int LowSurrogateFirst = 0xDC00;
        internal const int LowSurrogateLast = 0xDFFF;

        /// <summary>Whether <paramref name="c"/> is a high (leading) surrogate.</summary>
        internal static bool IsHighSurrogate(int c)
        {
            return c >= HighSurrogateFirst && c <= HighSurrogateLast;
        }

        /// <summary>
        /// The code point of the pair that starts with the high surrogate at <paramref name="index"/>,
        /// or -1 when no low surrogate follows it.
        /// </summary>
        /// <param name="text">The text.</param>
        /// <param name="index">Index of a high surrogate in <paramref name="text"/>.</param>
        internal static int PairAt(string text, int index)
        {
            if (index + 1 >= text.Length)
            {
                return -1;
            }

            int high = text[index];
            int low = IndexerReadsLowSurrogates ? text[index + 1] : text.ToCharArray()[index + 1];
            if (low < LowSurrogateFirst || low > LowSurrogateLast)
            {
                return -1;
            }

            return 0x10000 + ((high - HighSurrogateFirst) << 10) + (low - LowSurrogateFirst);
        }
    }
}
