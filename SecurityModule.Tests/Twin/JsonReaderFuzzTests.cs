using System.Text;
using CsCheck;
using Xunit;
using Xunit.Abstractions;
using Stj = System.Text.Json;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// Differential fuzzing against System.Text.Json's <see cref="Stj.Utf8JsonReader"/>,
    /// configured as strictly (<see cref="JsonTokenStreams.Strict"/>): on random JSON trees and on
    /// byte-level mutations of them and of Microsoft's twin documents, both readers produce the
    /// same token stream or both refuse the document, and ours never throws anything but
    /// <see cref="JsonReaderException"/>. Every document is read by two of ours: one whose
    /// buffer holds every generated string, whose decoded texts are compared, and one whose
    /// buffer is smaller than many of them, which must accept and refuse exactly the same
    /// documents, count the same lengths, and keep the texts that fit.
    /// </summary>
    /// <remarks>
    /// Where the readers legitimately differ, the comparison allows for it and counts it:
    /// <list type="bullet">
    /// <item>Utf8JsonReader reads invalid UTF-8 and lone surrogate escapes (<c>"\ud800"</c>) as
    /// String tokens and refuses them only in GetString; ours refuses the document while reading.
    /// The harness calls GetString on every string, so both refuse, with the same tokens before.</item>
    /// <item>Ours does not keep the text of a string longer than its char buffer: the token is
    /// the same, with the same length in chars, but GetString refuses it (checked on every such
    /// token). Ours refuses documents over its size limit; Utf8JsonReader has no such limit.</item>
    /// <item>Utf8JsonReader ends a number at <c>/</c> (a comment could start there) and reports
    /// the number before refusing the comment; ours refuses at the number. Both refuse the
    /// document; the tokens before the error are otherwise always the same, and checked.</item>
    /// </list>
    /// </remarks>
    public class JsonReaderFuzzTests
    {
        private const int DocumentLimit = 32 * 1024;
        private const int StringLimit = 512;

        // Generated strings have up to 12 chars: many of them do not fit in this buffer.
        private const int SmallStringLimit = 5;
        private const int GeneratedDocuments = 100_000;
        private const int MutantsPerDocument = 4;
        private const int MutatedDocuments = 100_000;
        private const int SkippedDocuments = 10_000;

        // Whitespace between tokens, picked by a few random bits each: usually none, sometimes
        // each of the four JSON allows.
        private static readonly string[] Spaces = { "", "", "", "", "", "", "", "", "", "", "", "", " ", " ", " ", "\n  ", "\t", "\r\n" };

        private static readonly string[] ShortEscapes = { "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t" };

        // Raw UTF-8 of every length, at the boundaries of each.
        private static readonly string[] RawNonAscii =
        {
            "\u00e9", "\u00df", "\u20ac", "\u4e2d\u6587", "\U0001F600", "\u0080", "\u07ff", "\u0800",
            "\ud7ff", "\ue000", "\ufffd", "\uffff", "\U00010000", "\U0010FFFF", "\u212a", "\u007f",
        };

        // Rare, so that most generated documents are valid: both readers must refuse these.
        private static readonly string[] LoneSurrogateEscapes =
        {
            "\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\ud83d\\u0041", "\\ude00\\ud83d", "\\ud83d\\n",
        };

        private static readonly string[] EdgeIntegers =
        {
            "0", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "922337203685477580", "-922337203685477581", "18446744073709551615",
            "99999999999999999999", "100000000000000000000000000000",
        };

        // A string is up to six pieces, each drawn from one random int (few generator nodes per
        // string keeps 100,000 documents within seconds).
        private static readonly Gen<string> JsonString = Gen.UInt.Array[0, 6].Select(MakeString);

        private static readonly Gen<string> Leaf = Gen.Select(Gen.Int[0, 9], Gen.ULong, Gen.UInt, Gen.UInt.Array[0, 6], MakeLeaf);

        // Chains of single-member containers around the depth limit of 32.
        private static readonly Gen<string> DeepChain = Gen.Select(Gen.Int[28, 36], Gen.ULong, Leaf, Gen.ULong, (depth, kinds, leaf, spaces) =>
        {
            var text = new StringBuilder();
            for (int i = 0; i < depth; i++)
            {
                text.Append((kinds >> i & 1) != 0 ? "{\"k\":" : "[").Append(TakeSpace(ref spaces));
            }

            text.Append(leaf);
            for (int i = depth - 1; i >= 0; i--)
            {
                text.Append(TakeSpace(ref spaces)).Append((kinds >> i & 1) != 0 ? '}' : ']');
            }

            return text.ToString();
        });

        private static readonly Gen<string> Tree = Gen.Select(
            Gen.ULong,
            Gen.Frequency((12, Value(5)), (1, DeepChain)),
            (spaces, value) => TakeSpace(ref spaces) + value + TakeSpace(ref spaces));

        private static readonly Gen<byte[]> Document = Tree.Select(Encoding.UTF8.GetBytes);

        private static readonly byte[][] TwinDocuments = Directory
            .GetFiles(Path.Combine(AppContext.BaseDirectory, "DefenderSchemas", "security_module_twin"), "*.json")
            .Select(File.ReadAllBytes)
            .ToArray();

        // Bytes that change the meaning of JSON text, and bytes that break UTF-8.
        private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("{}[],:\"\\ 019-+.eEtrufnlxu/")
            .Concat(new byte[] { 0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF })
            .ToArray();

        // A valid document (now and then one of Microsoft's) and, per mutant, one to four edits,
        // each edit one random ulong.
        private static readonly Gen<(byte[], ulong[][])> Mutations = Gen.Select(
            Gen.Frequency((40, Document), (1, Gen.OneOf(TwinDocuments))),
            Gen.ULong.Array[1, 4].Array[MutantsPerDocument]);

        [ThreadStatic]
        private static JsonReader _reader;

        [ThreadStatic]
        private static JsonReader _smallReader;

        private readonly ITestOutputHelper _output;

        public JsonReaderFuzzTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void GeneratedDocumentsReadAsSystemTextJsonReadsThem()
        {
            var tally = new Tally();
            Document.Sample(document => Compare(document, tally), iter: GeneratedDocuments, print: Printable);

            _output.WriteLine("generated: " + tally);
            Assert.Equal(GeneratedDocuments, tally.Total);
            Assert.True(tally.BothAccepted > GeneratedDocuments / 2, tally.ToString());
            Assert.True(tally.BothRefused > 0, tally.ToString());
            Assert.True(tally.TextsNotKept > GeneratedDocuments / 10, tally.ToString());
        }

        [Fact]
        public void MutatedDocumentsReadAsSystemTextJsonReadsThemOrBothRefuse()
        {
            var tally = new Tally();
            Mutations.Sample(
                (original, edits) =>
                {
                    foreach (ulong[] mutant in edits)
                    {
                        Compare(Mutate(original, mutant), tally);
                    }
                },
                iter: MutatedDocuments / MutantsPerDocument,
                print: t => Printable(t.Item1) + " edits " + string.Join(" | ", t.Item2.Select(e => string.Join(",", e))));

            _output.WriteLine("mutated: " + tally);
            Assert.Equal(MutatedDocuments, tally.Total);
            Assert.True(tally.BothRefused > MutatedDocuments / 2, tally.ToString());
            Assert.True(tally.BothAccepted > 0, tally.ToString());
            Assert.True(tally.TextsNotKept > 0, tally.ToString());
        }

        [Fact]
        public void SkipMatchesSystemTextJson()
        {
            // The int picks which tokens to skip from: bit i for the i-th token (mod 31).
            Gen.Select(Document, Gen.Int).Sample((document, mask) =>
            {
                if (!JsonTokenStreams.SystemTextJson(document).Accepted)
                {
                    return;
                }

                // The small buffer: skipping, like reading, does not depend on the text being kept.
                var reader = _smallReader ??= new JsonReader(DocumentLimit, SmallStringLimit);
                var ours = new List<string>();
                reader.Reset(document, 0, document.Length);
                for (int i = 0; reader.Read(); i++)
                {
                    if ((mask >> (i % 31) & 1) != 0)
                    {
                        reader.Skip();
                    }

                    ours.Add(reader.TokenType + "@" + reader.TokenOffset + "d" + reader.Depth);
                }

                Assert.Equal(SkipWithSystemTextJson(document, mask), ours);
            }, iter: SkippedDocuments, print: t => Printable(t.Item1) + " mask " + t.Item2);
        }

        private static List<string> SkipWithSystemTextJson(byte[] document, int mask)
        {
            var tokens = new List<string>();
            var reader = new Stj.Utf8JsonReader(document, JsonTokenStreams.Strict);
            for (int i = 0; reader.Read(); i++)
            {
                if ((mask >> (i % 31) & 1) != 0)
                {
                    reader.Skip();
                }

                tokens.Add(reader.TokenType + "@" + reader.TokenStartIndex + "d" + reader.CurrentDepth);
            }

            return tokens;
        }

        private static Gen<string> Value(int levels)
        {
            if (levels == 0)
            {
                return Leaf;
            }

            Gen<string> inner = Value(levels - 1);
            Gen<string> array = Gen.Select(Gen.ULong, inner.Array[0, 4], (spaces, items) => Container('[', ']', null, items, spaces));
            Gen<string> obj = Gen.Select(Gen.ULong, Gen.Select(JsonString, inner).Array[0, 4], (spaces, members) =>
                Container('{', '}', members.Select(m => m.Item1).ToArray(), members.Select(m => m.Item2).ToArray(), spaces));
            return Gen.Frequency((3, Leaf), (2, array), (2, obj));
        }

        private static string Container(char open, char close, string[] names, string[] values, ulong spaces)
        {
            var text = new StringBuilder().Append(open);
            if (values.Length == 0)
            {
                text.Append(TakeSpace(ref spaces));
            }

            for (int i = 0; i < values.Length; i++)
            {
                text.Append(i == 0 ? "" : ",").Append(TakeSpace(ref spaces));
                if (names != null)
                {
                    text.Append(names[i]).Append(TakeSpace(ref spaces)).Append(':').Append(TakeSpace(ref spaces));
                }

                text.Append(values[i]).Append(TakeSpace(ref spaces));
            }

            return text.Append(close).ToString();
        }

        private static string TakeSpace(ref ulong bits)
        {
            string space = Spaces[bits % (ulong)Spaces.Length];
            bits /= (ulong)Spaces.Length;
            return space;
        }

        private static uint Take(ref uint bits, uint choices)
        {
            uint choice = bits % choices;
            bits /= choices;
            return choice;
        }

        private static string MakeLeaf(int kind, ulong bits, uint shape, uint[] pieces) => kind switch
        {
            < 4 => MakeString(pieces),
            < 8 => MakeNumber(bits, shape),
            _ => (bits % 3) switch { 0 => "true", 1 => "false", _ => "null" },
        };

        /// <summary>A JSON string of pieces weighted towards plain text, one kind per random int.</summary>
        private static string MakeString(uint[] pieces)
        {
            var text = new StringBuilder("\"");
            foreach (uint piece in pieces)
            {
                uint bits = piece;
                uint kind = Take(ref bits, 316);
                if (kind < 200)
                {
                    char c = (char)(0x20 + bits % 95);
                    text.Append(c is '"' or '\\' ? 'q' : c);
                }
                else if (kind < 240)
                {
                    text.Append(ShortEscapes[bits % (uint)ShortEscapes.Length]);
                }
                else if (kind < 270)
                {
                    // Any BMP char but a surrogate, control characters included, in either case.
                    int unit = (int)(bits & 0xFFFF);
                    unit = unit is >= 0xD800 and <= 0xDFFF ? unit - 0x800 : unit;
                    text.Append("\\u").Append(unit.ToString((bits & 0x10000) != 0 ? "X4" : "x4"));
                }
                else if (kind < 285)
                {
                    string pair = char.ConvertFromUtf32(0x10000 + (int)(bits % 0x100000));
                    string format = (bits & 0x100000) != 0 ? "X4" : "x4";
                    text.Append("\\u").Append(((int)pair[0]).ToString(format)).Append("\\u").Append(((int)pair[1]).ToString(format));
                }
                else if (kind < 315)
                {
                    text.Append(RawNonAscii[bits % (uint)RawNonAscii.Length]);
                }
                else
                {
                    text.Append(LoneSurrogateEscapes[bits % (uint)LoneSurrogateEscapes.Length]);
                }
            }

            return text.Append('"').ToString();
        }

        /// <summary>Integers of every size around the Int64 limits, sometimes with a fraction or exponent.</summary>
        private static string MakeNumber(ulong bits, uint shape)
        {
            string integer = Take(ref shape, 9) switch
            {
                < 3 => ((long)bits).ToString(),
                < 6 => ((int)(bits % 601) - 300).ToString(),
                < 8 => EdgeIntegers[bits % (ulong)EdgeIntegers.Length],
                _ => (1 + bits % 9).ToString() + bits.ToString(),
            };
            string fraction = Take(ref shape, 5) == 0 ? "." + Take(ref shape, 1000) : "";
            string exponent = Take(ref shape, 6) == 0
                ? (Take(ref shape, 2) == 0 ? "e" : "E") + (Take(ref shape, 3) switch { 0 => "", 1 => "+", _ => "-" }) + Take(ref shape, 401)
                : "";
            return integer + fraction + exponent;
        }

        private static byte[] Mutate(byte[] original, ulong[] edits) => ByteMutation.Apply(original, edits, Interesting);

        private static void Compare(byte[] document, Tally tally)
        {
            ReadOutcome theirs = JsonTokenStreams.SystemTextJson(document);
            ReadOutcome ours = JsonTokenStreams.Ours(_reader ??= new JsonReader(DocumentLimit, StringLimit), document);
            ReadOutcome small = JsonTokenStreams.Ours(_smallReader ??= new JsonReader(DocumentLimit, SmallStringLimit), document);
            Interlocked.Increment(ref tally.Total);

            // The buffer only decides which texts are kept: acceptance, tokens and lengths are the same.
            Compare(document, small, JsonTokenStreams.KeptBy(theirs, SmallStringLimit), null);
            if (small.Accepted && small.LongestString > SmallStringLimit)
            {
                Interlocked.Increment(ref tally.TextsNotKept);
            }

            Compare(document, ours, JsonTokenStreams.KeptBy(theirs, StringLimit), tally);
        }

        /// <summary>Compares one of our outcomes with theirs; counts in <paramref name="tally"/> if given.</summary>
        private static void Compare(byte[] document, ReadOutcome ours, ReadOutcome theirs, Tally tally)
        {
            if (ours.Accepted && theirs.Accepted)
            {
                if (!ours.Tokens.SequenceEqual(theirs.Tokens))
                {
                    Assert.Fail("different tokens for " + Printable(document) + "\n ours:   " + ours + "\n theirs: " + theirs);
                }

                if (tally != null)
                {
                    Interlocked.Increment(ref tally.BothAccepted);
                }

                return;
            }

            if (!ours.Accepted && !theirs.Accepted)
            {
                bool numberBeforeSlash = false;
                if (!ours.Tokens.SequenceEqual(theirs.Tokens))
                {
                    // Up to the error the tokens are the same too, but for one case: a number
                    // followed by '/', which Utf8JsonReader takes as the start of a comment and
                    // so reports the number before refusing the comment.
                    ReadToken number = theirs.Tokens[^1];
                    int after = number.Offset + number.Length;
                    numberBeforeSlash = number.Type == Stj.JsonTokenType.Number
                        && theirs.Tokens.Count == ours.Tokens.Count + 1
                        && theirs.Tokens.Take(ours.Tokens.Count).SequenceEqual(ours.Tokens)
                        && after < document.Length
                        && document[after] == (byte)'/';
                    if (!numberBeforeSlash)
                    {
                        Assert.Fail("different tokens before the error in " + Printable(document) + "\n ours:   " + ours + "\n theirs: " + theirs);
                    }
                }

                if (tally != null)
                {
                    Interlocked.Increment(ref tally.BothRefused);
                    if (theirs.Error.StartsWith("GetString: ", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref tally.RefusedOnlyByGetString);
                    }

                    if (numberBeforeSlash)
                    {
                        Interlocked.Increment(ref tally.NumberBeforeSlash);
                    }
                }

                return;
            }

            // What only our size limit refuses; Utf8JsonReader has none. A long string is no
            // longer a reason: ours reads it as a token, without its text.
            if (theirs.Accepted && document.Length > DocumentLimit && ours.Error.StartsWith("document of ", StringComparison.Ordinal))
            {
                if (tally != null)
                {
                    Interlocked.Increment(ref tally.OverDocumentLimit);
                }

                return;
            }

            Assert.Fail("the readers disagree on " + Printable(document) + "\n ours:   " + ours + "\n theirs: " + theirs);
        }

        private static string Printable(byte[] document)
        {
            var text = new StringBuilder();
            foreach (byte b in document)
            {
                text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : "\\x" + b.ToString("x2"));
            }

            return text.ToString();
        }

        /// <summary>Counts by outcome, shared by the sampling threads.</summary>
        private sealed class Tally
        {
            public int Total;
            public int BothAccepted;
            public int BothRefused;
            public int RefusedOnlyByGetString;
            public int NumberBeforeSlash;
            public int TextsNotKept;
            public int OverDocumentLimit;

            public override string ToString() =>
                $"{Total} documents: {BothAccepted} accepted by both with equal token streams, {BothRefused} refused by both "
                + $"({RefusedOnlyByGetString} of them by Utf8JsonReader only in GetString: invalid UTF-8 or a lone surrogate; "
                + $"{NumberBeforeSlash} with a number before '/' that only Utf8JsonReader reports), "
                + $"{OverDocumentLimit} refused by us only for exceeding {DocumentLimit} bytes; "
                + $"{TextsNotKept} accepted by the reader of {SmallStringLimit} chars with a longer string, its text not kept";
        }
    }
}
