namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// What one reader made of a document: the tokens it produced and the error that stopped it
    /// (null when it accepted the whole document).
    /// </summary>
    internal sealed record ReadOutcome(List<ReadToken> Tokens, string Error, int LongestString)
    {
        public bool Accepted => Error == null;

        public override string ToString() =>
            string.Join(" ", Tokens) + (Accepted ? " <end>" : " <error: " + Error + ">");
    }
}
