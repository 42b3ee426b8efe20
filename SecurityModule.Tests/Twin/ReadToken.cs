using Stj = System.Text.Json;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// One token as either reader reports it, in System.Text.Json's terms: type, byte offset,
    /// depth, length in the document (quotes and escapes included), unescaped text of strings and
    /// property names or literal text of numbers, and for numbers whether TryGetInt64 succeeds
    /// and with what.
    /// </summary>
    internal readonly record struct ReadToken(Stj.JsonTokenType Type, int Offset, int Depth, int Length, string Text, bool IsInt64, long Int64)
    {
        /// <summary><c>Type@offset dDepth</c>, then <c>=text</c> and the Int64 value if any.</summary>
        public override string ToString() =>
            Type + "@" + Offset + "d" + Depth
            + (Text != null ? "=" + Text : "")
            + (Type == Stj.JsonTokenType.Number ? (IsInt64 ? " int64 " + Int64 : " not-int64") : "");
    }
}
