using System.Text;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>Runs one write on a fresh, roomy <see cref="JsonWriter"/> and returns what it wrote.</summary>
    internal static class Written
    {
        internal static string Text(JsonWriter writer)
        {
            // Strict: the writer must never produce bytes that are not UTF-8.
            return new UTF8Encoding(false, true).GetString(writer.Buffer, 0, writer.Length);
        }

        internal static string By(Action<JsonWriter> write)
        {
            var writer = new JsonWriter(4096);
            write(writer);
            Assert.False(writer.Overflowed);
            return Text(writer);
        }
    }
}
