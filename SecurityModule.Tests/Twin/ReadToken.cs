using Stj = System.Text.Json;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// One token as either reader reports it, in System.Text.Json's terms: type, byte offset,
    /// depth, length in the document (quotes and escapes included), unescaped text of strings and
    /// property names or literal text of numbers, the length of that unescaped text in UTF-16
    /// chars (0 for other tokens), and for numbers whether TryGetInt64 succeeds and with what.
    /// A string or property name longer than our reader's buffer has no Text, only its length:
    /// <see cref="JsonTokenStreams.KeptBy"/> makes System.Text.Json's stream say the same.
    /// </summary>
    internal readonly record struct ReadToken(Stj.JsonTokenType Type, int Offset, int Depth, int Length, string Text, int TextLength, bool IsInt64, long Int64)
    {
        /// <summary><c>Type@offset dDepth</c>, then <c>=text</c> (or the length of a text not kept) and the Int64 value if any.</summary>
        public override string ToString() =>
            Type + "@" + Offset + "d" + Depth
            + (Text != null ? "=" + Text : Type is Stj.JsonTokenType.String or Stj.JsonTokenType.PropertyName ? " (" + TextLength + " chars, not kept)" : "")
            + (Type == Stj.JsonTokenType.Number ? (IsInt64 ? " int64 " + Int64 : " not-int64") : "");
    }
}
