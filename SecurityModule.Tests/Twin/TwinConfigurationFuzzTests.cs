using System.Diagnostics;
using System.Text;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// Generated and mutated twin documents, at least 100,000 of them: the parser never throws,
    /// always finishes, leaves the configuration untouched whenever it records an error other
    /// than its two warnings (a clamped size, NotOptimal), and agrees with
    /// <see cref="TwinReference"/> on the status, the version, the configuration and every
    /// error's name, type and used value.
    /// </summary>
    public class TwinConfigurationFuzzTests
    {
        private const int GeneratedDocuments = 80_000;
        private const int MutatedSamples = 10_000;
        private const int MutantsPerSample = 4;

        private static readonly string[] KnownNames = Enumerable.Range(0, ConfigurationProperty.Count).Select(ConfigurationProperty.NameOf).ToArray();

        // Names the module does not act on: the schema's others, the agents' own, and near misses.
        private static readonly string[] OtherNames =
        {
            "eventPriorityProcessCreate", "eventPriorityLogin", "aggregationEnabledProcessCreate", "hubResourceId",
            "baselineCustomChecksEnabled", "HighPriorityMessageFrequency", "highPriorityMessageFrequency ", "value", "$version", "",
            "snapshotfrequency", "eventPriority", "\u00e9v\u00e9nement",
        };

        private static readonly string[] Durations =
        {
            "PT7M", "PT5H", "PT13H", "PT1H", "P1D", "PT1S", "PT1.5S", "PT0.5S", "PT0S", "P30D", "P30DT1S", "P1M", "P1M1D", "P1W",
            "P1Y", "PT1.5H", "P0.5D", "P1DT0.5H", "PT", "P", "7M", "pt7m", "PT7m", "PT1H\n", " PT1H", "P1.5DT1H", "PT1M1H", "",
            "PT99999999999999999999S", "P0Y0M0W0DT0H0M1S", "PT0.99999999999999999999S", "PT2592000S", "PT2592001S", "PT43200M",
        };

        private static readonly string[] Numbers =
        {
            "8192", "8191", "4096", "12288", "16384", "16383", "65536", "100000", "204800", "262144", "262145", "2560000",
            "4038", "0", "-1", "-8192", "8192.0", "8.192e3", "1e4", "99999999999999999999", "9223372036854775807", "10000", "20000",
        };

        private static readonly string[] Words =
        {
            "High", "Low", "Off", "high", "LOW", "oFF", "H\\u0069gh", "Medium", "", "H\u0131gh", "Hi", "true", "Lo w",
        };

        private static readonly string[] Spaces = { "", "", "", "", " ", "\n", "\t ", "\r\n  " };

        private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("{}[],:\"\\ 019-+.eETPHMSYWDtrufnlaxv$")
            .Concat(new byte[] { 0x00, 0x0A, 0x7F, 0x80, 0xC0, 0xE2, 0xFF })
            .ToArray();

        [ThreadStatic]
        private static TwinConfigurationParser _parser;

        [ThreadStatic]
        private static TwinConfigurationParser _largeParser;

        [ThreadStatic]
        private static ConfigurationErrorList _errors;

        private readonly ITestOutputHelper _output;

        public TwinConfigurationFuzzTests(ITestOutputHelper output)
        {
            _output = output;
        }

        private enum Build
        {
            Repository,
            Large,
        }

        [Fact]
        public void GeneratedDocumentsAreHandledAsTheRulesSay()
        {
            var tally = new Tally();
            RunWithin(TimeSpan.FromMinutes(10), () =>
                Gen.Int.Sample(
                    seed =>
                    {
                        Case c = Case.Generate(new Random(seed));
                        Check(c, tally);
                    },
                    iter: GeneratedDocuments,
                    print: seed => Case.Generate(new Random(seed)).ToString()));

            _output.WriteLine("generated: " + tally);
            Assert.Equal(GeneratedDocuments, tally.Total);
            Assert.True(tally.Applied > GeneratedDocuments / 10, tally.ToString());
            Assert.True(tally.Rejected > GeneratedDocuments / 10, tally.ToString());
            Assert.True(tally.Stale > GeneratedDocuments / 50, tally.ToString());
            Assert.True(tally.Changed > GeneratedDocuments / 20, tally.ToString());
            Assert.True(tally.Warned > GeneratedDocuments / 100, tally.ToString());
            Assert.True(tally.TooLong > GeneratedDocuments / 500, tally.ToString());
            Assert.True(tally.LongSkipped > GeneratedDocuments / 100, tally.ToString());
            foreach (string type in new[] { "TypeMismatch", "Conflict", "NotOptimal" })
            {
                Assert.True(tally.ErrorTypes.ContainsKey(type) && tally.ErrorTypes[type] > 100, tally.ToString());
            }
        }

        [Fact]
        public void MutatedDocumentsAreHandledAsTheRulesSay()
        {
            var tally = new Tally();
            byte[] fullDefault = Encoding.UTF8.GetBytes(TwinDocuments.DefaultAsFullTwin(9));
            byte[] patchDefault = Encoding.UTF8.GetBytes(TwinDocuments.DefaultAsPatch(9));
            RunWithin(TimeSpan.FromMinutes(10), () =>
                Gen.Select(Gen.Int, Gen.ULong.Array[1, 4].Array[MutantsPerSample]).Sample(
                    (seed, edits) =>
                    {
                        var random = new Random(seed);
                        Case original = random.Next(3) switch
                        {
                            0 => Case.Generate(random) with { Document = fullDefault, IsFullTwin = true },
                            1 => Case.Generate(random) with { Document = patchDefault, IsFullTwin = false },
                            _ => Case.Generate(random),
                        };
                        foreach (ulong[] mutant in edits)
                        {
                            Check(original with { Document = Mutate(original.Document, mutant) }, tally);
                        }
                    },
                    iter: MutatedSamples,
                    print: t => Case.Generate(new Random(t.Item1)) + " edits " + string.Join(" | ", t.Item2.Select(e => string.Join(",", e)))));

            _output.WriteLine("mutated: " + tally);
            Assert.Equal(MutatedSamples * MutantsPerSample, tally.Total);
            Assert.True(tally.Unreadable > tally.Total / 4, tally.ToString());
            Assert.True(tally.Applied > tally.Total / 20, tally.ToString());
        }

        private static void RunWithin(TimeSpan limit, Action action)
        {
            // A parser that looped would hang the run: fail it instead.
            Task run = Task.Run(action);
            Assert.True(run.Wait(limit), "the fuzz run did not finish within " + limit);
            run.GetAwaiter().GetResult();
        }

        private static void Check(Case c, Tally tally)
        {
            TwinConfigurationParser parser = c.Build == Build.Large
                ? _largeParser ??= new TwinConfigurationParser(TwinDocuments.LargeBuildDefaults())
                : _parser ??= new TwinConfigurationParser(AgentConfiguration.Defaults());
            ConfigurationErrorList errors = _errors ??= new ConfigurationErrorList(32);
            errors.Clear();
            AgentConfiguration defaults = c.Build == Build.Large ? TwinDocuments.LargeBuildDefaults() : AgentConfiguration.Defaults();
            AgentConfiguration current = new AgentConfiguration();
            current.CopyFrom(c.Current);

            TwinUpdateStatus status;
            try
            {
                status = parser.Apply(c.Document, 0, c.Document.Length, c.IsFullTwin, c.LastVersion, current, errors);
            }
            catch (Exception e)
            {
                Assert.Fail("Apply threw " + e + "\nfor " + c);
                return;
            }

            List<ConfigurationError> recorded = TwinDocuments.Errors(errors);
            bool unchanged = current.SameAs(c.Current);

            // The promise itself, before the detailed comparison: any error but the two warnings
            // means nothing changed.
            bool onlyWarnings = recorded.All(e =>
                e.ErrorType == ConfigurationErrorType.NotOptimal
                || (e.ErrorType == ConfigurationErrorType.Conflict && e.Message.Contains("compiled in", StringComparison.Ordinal)));
            if (!onlyWarnings && !unchanged)
            {
                Assert.Fail("the configuration changed although errors were recorded: " + string.Join("; ", recorded.Select(e => e.Message)) + "\nfor " + c);
            }

            Assert.True(parser.Changed == !unchanged, "Changed " + parser.Changed + " for " + c);
            Assert.All(recorded, e => Assert.False(string.IsNullOrEmpty(e.Message)));

            TwinReference.Expected expected = TwinReference.Evaluate(c.Document, c.IsFullTwin, c.LastVersion, c.Current, defaults);
            string[] actualErrors = recorded
                .Select(e => e.ConfigurationName + "|" + e.ErrorType + "|" + e.UsedConfiguration)
                .OrderBy(e => e, StringComparer.Ordinal)
                .ToArray();
            long[] actualValues = TwinDocuments.Values(current);
            if (status != expected.Status
                || !actualValues.SequenceEqual(expected.Values)
                || !actualErrors.SequenceEqual(expected.Errors)
                || (!expected.Errors.Contains("TwinConfiguration|TypeMismatch|unchanged") && (parser.Version != expected.Version || parser.ObjectPresent != expected.ObjectPresent)))
            {
                Assert.Fail(
                    "differs from the reference for " + c
                    + "\n status:  " + status + " / expected " + expected.Status
                    + "\n version: " + parser.Version + " / expected " + expected.Version
                    + "\n object:  " + parser.ObjectPresent + " / expected " + expected.ObjectPresent
                    + "\n values:  " + string.Join(",", actualValues) + "\n expected " + string.Join(",", expected.Values)
                    + "\n errors:  " + string.Join("; ", actualErrors) + "\n expected " + string.Join("; ", expected.Errors));
            }

            tally.Count(status, !unchanged, recorded, c.Document);
        }

        private static byte[] Mutate(byte[] original, ulong[] edits) => ByteMutation.Apply(original, edits, Interesting);

        /// <summary>One document, how it arrives, and the state it meets.</summary>
        private sealed record Case(byte[] Document, bool IsFullTwin, long LastVersion, AgentConfiguration Current, Build Build)
        {
            public static Case Generate(Random r)
            {
                Build build = r.Next(2) == 0 ? Build.Large : Build.Repository;
                AgentConfiguration defaults = build == Build.Large ? TwinDocuments.LargeBuildDefaults() : AgentConfiguration.Defaults();
                bool full = r.Next(3) == 0;
                long lastVersion = r.Next(4) == 0 ? -1 : r.Next(0, 12);
                return new Case(Encoding.UTF8.GetBytes(NewDocument(r, full)), full, lastVersion, NewCurrent(r, defaults), build);
            }

            public override string ToString() =>
                (IsFullTwin ? "full twin" : "patch") + ", last version " + LastVersion + ", build " + Build
                + ", current {" + TwinDocuments.Describe(Current) + "}\n document: " + Printable(Document);

            private static AgentConfiguration NewCurrent(Random r, AgentConfiguration defaults)
            {
                var c = new AgentConfiguration();
                c.CopyFrom(defaults);
                if (r.Next(3) == 0)
                {
                    return c;
                }

                for (int i = 0; i < ConfigurationProperty.Count; i++)
                {
                    if (r.Next(2) == 0)
                    {
                        continue;
                    }

                    // Sizes in force never exceed what was compiled in.
                    c.Set(i, ConfigurationProperty.KindOf(i) switch
                    {
                        ConfigurationValueKind.Duration => 1 + r.NextInt64(TwinConfigurationParser.MaxDurationSeconds),
                        ConfigurationValueKind.ByteCount => 1024 + r.NextInt64(defaults.Get(i) - 1023),
                        ConfigurationValueKind.Priority => r.Next(3),
                        _ => r.Next(2),
                    });
                }

                return c;
            }

            private static string NewDocument(Random r, bool full)
            {
                var desired = new List<string>();
                if (r.Next(6) != 0)
                {
                    desired.Add(Q(TwinConfigurationParser.ObjectName) + ":" + ConfigurationObject(r));
                }

                int others = r.Next(3);
                for (int i = 0; i < others; i++)
                {
                    desired.Add(Q(OtherNames[r.Next(OtherNames.Length)]) + ":" + AnyValue(r, 2));
                }

                if (r.Next(8) != 0)
                {
                    desired.Add(Q("$version") + ":" + (r.Next(15) switch
                    {
                        0 => "\"5\"",
                        1 => "-1",
                        2 => "2.5",
                        3 => "null",
                        _ => r.Next(0, 14).ToString(),
                    }));
                }

                Shuffle(r, desired);
                string desiredText = Obj(r, desired);
                if (!full)
                {
                    return desiredText;
                }

                var twin = new List<string>();
                switch (r.Next(12))
                {
                    case 0:
                        break;
                    case 1:
                        twin.Add(Q("desired") + ":" + AnyValue(r, 1));
                        break;
                    default:
                        twin.Add(Q("desired") + ":" + desiredText);
                        break;
                }

                if (r.Next(2) == 0)
                {
                    twin.Add(Q("reported") + ":" + Obj(r, new List<string> { Q(TwinConfigurationParser.ObjectName) + ":" + ConfigurationObject(r), Q("$version") + ":3" }));
                }

                Shuffle(r, twin);
                return Obj(r, twin);
            }

            private static string ConfigurationObject(Random r)
            {
                switch (r.Next(20))
                {
                    case 0:
                        return "null";
                    case 1:
                        return AnyValue(r, 1);
                }

                var members = new List<string>();
                int count = r.Next(0, 6);
                for (int i = 0; i < count; i++)
                {
                    if (r.Next(8) == 0)
                    {
                        members.Add(Q(OtherNames[r.Next(OtherNames.Length)]) + ":" + Wrapped(r, r.Next(ConfigurationProperty.Count)));
                    }
                    else
                    {
                        int property = r.Next(ConfigurationProperty.Count);
                        members.Add(Q(KnownNames[property]) + ":" + Wrapped(r, property));
                    }
                }

                return Obj(r, members);
            }

            private static string Wrapped(Random r, int property)
            {
                switch (r.Next(48))
                {
                    case 0:
                        return "null";
                    case 1:
                        return Value(r, property);
                    case 2:
                        return "{}";
                    case 3:
                        return Obj(r, new List<string> { Q("value") + ":null" });
                    case 4:
                        return Obj(r, new List<string> { Q("value") + ":" + Value(r, property), Q("value") + ":" + Value(r, property) });
                    case 5:
                        return Obj(r, new List<string> { Q("ac") + ":" + AnyValue(r, 1), Q("value") + ":" + Value(r, property) });
                    case 6:
                        return "[" + Value(r, property) + "]";
                    default:
                        return Obj(r, new List<string> { Q("value") + ":" + Value(r, property) });
                }
            }

            /// <summary>Mostly a value of the property's own type, valid or nearly so; sometimes anything.</summary>
            private static string Value(Random r, int property)
            {
                if (r.Next(40) == 0)
                {
                    return AnyValue(r, 1);
                }

                if (r.Next(30) == 0)
                {
                    return LongText(r, property);
                }

                switch (ConfigurationProperty.KindOf(property))
                {
                    case ConfigurationValueKind.Duration:
                        return r.Next(3) != 0
                            ? Q(IsoDuration.Format(1 + r.NextInt64(TwinConfigurationParser.MaxDurationSeconds + 100)))
                            : Q(Durations[r.Next(Durations.Length)]);
                    case ConfigurationValueKind.ByteCount:
                        return r.Next(3) != 0 ? (8192 + r.Next(70_000)).ToString() : Numbers[r.Next(Numbers.Length)];
                    case ConfigurationValueKind.Priority:
                        return Q(r.Next(2) == 0 ? "Low" : Words[r.Next(Words.Length)]);
                    default:
                        return r.Next(2) == 0 ? "true" : "false";
                }
            }

            /// <summary>
            /// A string around the length the parser keeps, in UTF-16 chars after unescaping: a
            /// valid duration padded with zeros (some escaped), or a priority padded with spaces,
            /// or a long string of four-byte chars (two UTF-16 chars each).
            /// </summary>
            private static string LongText(Random r, int property)
            {
                int length = TwinConfigurationParser.MaxStringChars - 3 + r.Next(7);
                switch (r.Next(3))
                {
                    case 0:
                        var duration = new StringBuilder("\"PT");
                        for (int i = 0; i < length - 4; i++)
                        {
                            duration.Append(r.Next(4) == 0 ? "\\u0030" : "0");
                        }

                        return duration.Append("1M\"").ToString();
                    case 1:
                        string word = property % 3 == 0 ? "High" : property % 3 == 1 ? "low" : "OFF";
                        return Q(word + new string(' ', length - word.Length));
                    default:
                        return Q(string.Concat(Enumerable.Repeat("\U0001F600", length / 2)) + (length % 2 == 0 ? "" : "a"));
                }
            }

            private static string AnyValue(Random r, int depth)
            {
                switch (r.Next(depth > 0 ? 9 : 7))
                {
                    case 0:
                        return "null";
                    case 1:
                        return "true";
                    case 2:
                        return "false";
                    case 3:
                        return Numbers[r.Next(Numbers.Length)];
                    case 4:
                        return Q(Durations[r.Next(Durations.Length)]);
                    case 5:
                        return Q(Words[r.Next(Words.Length)]);
                    case 6:
                        // Short, around the length the parser keeps, or up to IoT Hub's 4 KB.
                        return Q(new string('z', r.Next(3) switch
                        {
                            0 => r.Next(10),
                            1 => TwinConfigurationParser.MaxStringChars - 3 + r.Next(7),
                            _ => 4090 + r.Next(7),
                        }));
                    case 7:
                        return "[" + AnyValue(r, depth - 1) + "," + AnyValue(r, depth - 1) + "]";
                    default:
                        return Obj(r, new List<string> { Q("value") + ":" + AnyValue(r, depth - 1) });
                }
            }

            private static string Obj(Random r, List<string> members)
            {
                var text = new StringBuilder("{");
                for (int i = 0; i < members.Count; i++)
                {
                    text.Append(i == 0 ? "" : ",").Append(Spaces[r.Next(Spaces.Length)]).Append(members[i]).Append(Spaces[r.Next(Spaces.Length)]);
                }

                return text.Append('}').ToString();
            }

            private static string Q(string text) => System.Text.Json.JsonSerializer.Serialize(text);

            private static void Shuffle(Random r, List<string> items)
            {
                for (int i = items.Count - 1; i > 0; i--)
                {
                    int j = r.Next(i + 1);
                    (items[i], items[j]) = (items[j], items[i]);
                }
            }

            private static string Printable(byte[] document)
            {
                string text = Encoding.UTF8.GetString(document);
                return text.Length > 3000 ? text.Substring(0, 3000) + "… (" + document.Length + " bytes)" : text;
            }
        }

        private sealed class Tally
        {
            public int Total;
            public int Applied;
            public int Rejected;
            public int Stale;
            public int Changed;
            public int Warned;
            public int Unreadable;
            public int TooLong;
            public int LongSkipped;
            public readonly Dictionary<string, int> ErrorTypes = new Dictionary<string, int>();

            public void Count(TwinUpdateStatus status, bool changed, List<ConfigurationError> errors, byte[] document)
            {
                bool longSkipped = status != TwinUpdateStatus.Stale && LongestString(document) > TwinConfigurationParser.MaxStringChars;
                lock (this)
                {
                    TooLong += errors.Any(e => e.Message.Contains(" chars is too long for", StringComparison.Ordinal)
                        || (e.Message.Contains(": a string of ", StringComparison.Ordinal) && e.Message.EndsWith(" chars is not High, Low or Off", StringComparison.Ordinal))) ? 1 : 0;
                    LongSkipped += longSkipped && errors.Count == 0 ? 1 : 0;
                    Total++;
                    Applied += status == TwinUpdateStatus.Applied ? 1 : 0;
                    Rejected += status == TwinUpdateStatus.Rejected ? 1 : 0;
                    Stale += status == TwinUpdateStatus.Stale ? 1 : 0;
                    Changed += changed ? 1 : 0;
                    Warned += status == TwinUpdateStatus.Applied && errors.Count > 0 ? 1 : 0;
                    Unreadable += errors.Any(e => e.ConfigurationName == "TwinConfiguration" && e.Message.StartsWith("the twin document cannot be read", StringComparison.Ordinal)) ? 1 : 0;
                    foreach (ConfigurationError e in errors)
                    {
                        ErrorTypes[e.ErrorType.ToString()] = ErrorTypes.GetValueOrDefault(e.ErrorType.ToString()) + 1;
                    }
                }
            }

            /// <summary>The longest string or property name in UTF-16 chars, 0 for a document System.Text.Json refuses.</summary>
            private static int LongestString(byte[] document)
            {
                var reader = new System.Text.Json.Utf8JsonReader(document, JsonTokenStreams.Strict);
                int longest = 0;
                try
                {
                    while (reader.Read())
                    {
                        if (reader.TokenType is System.Text.Json.JsonTokenType.String or System.Text.Json.JsonTokenType.PropertyName)
                        {
                            longest = Math.Max(longest, reader.GetString().Length);
                        }
                    }
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
                {
                    return 0;
                }

                return longest;
            }

            public override string ToString()
            {
                lock (this)
                {
                    return Total + " documents: " + Applied + " applied (" + Changed + " changed, " + Warned + " with warnings; "
                        + LongSkipped + " without any error though holding a string over " + TwinConfigurationParser.MaxStringChars + " chars), "
                        + Rejected + " rejected (" + Unreadable + " unreadable, " + TooLong + " for a duration or priority over "
                        + TwinConfigurationParser.MaxStringChars + " chars), " + Stale + " stale; errors "
                        + string.Join(", ", ErrorTypes.Select(p => p.Key + " " + p.Value));
                }
            }
        }
    }
}
