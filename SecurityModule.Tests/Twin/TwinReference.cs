using System.Numerics;
using System.Text.Json;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// A second, independent reading of the twin rules that <see cref="TwinConfigurationParser"/>
    /// documents, over System.Text.Json's DOM, the schema's regular expression and big-integer
    /// arithmetic: what the fuzz tests compare the parser with, document by document.
    /// </summary>
    /// <remarks>
    /// Whether a document can be read at all is decided by the in-house <see cref="JsonReader"/>
    /// with the parser's limits: that reader is checked against System.Text.Json on its own
    /// (JsonReaderFuzzTests), and every document it accepts System.Text.Json accepts too. The
    /// parser keeps only <see cref="TwinConfigurationParser.MaxStringChars"/> chars of a string;
    /// the one thing that changes is that a duration or priority value longer than that, in
    /// UTF-16 chars, is a TypeMismatch of its property. A long string anywhere else means
    /// nothing (a long name equals no name the parser looks for).
    /// </remarks>
    internal static class TwinReference
    {
        internal sealed class Expected
        {
            public TwinUpdateStatus Status;
            public long Version = -1;
            public bool ObjectPresent;
            public long[] Values;

            /// <summary>Name|ErrorType|UsedConfiguration, sorted.</summary>
            public string[] Errors;
        }

        private const long MaxDuration = 30L * 24 * 3600;

        private static readonly string[] Names = Enumerable.Range(0, ConfigurationProperty.Count).Select(ConfigurationProperty.NameOf).ToArray();

        [ThreadStatic]
        private static JsonReader _reader;

        internal static Expected Evaluate(byte[] document, bool isFullTwin, long lastVersion, AgentConfiguration current, AgentConfiguration defaults)
        {
            long[] before = TwinDocuments.Values(current);
            if (!Readable(document))
            {
                return new Expected
                {
                    Status = TwinUpdateStatus.Rejected,
                    Values = before,
                    Errors = new[] { "TwinConfiguration|TypeMismatch|unchanged" },
                };
            }

            var state = new State(isFullTwin ? TwinDocuments.Values(defaults) : before, TwinDocuments.Values(defaults));
            using (JsonDocument parsed = JsonDocument.Parse(document, new JsonDocumentOptions { MaxDepth = 64 }))
            {
                JsonElement root = parsed.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    state.DocumentFailed = true;
                }
                else if (isFullTwin)
                {
                    bool sawDesired = false;
                    foreach (JsonProperty member in root.EnumerateObject())
                    {
                        if (member.Name == "desired")
                        {
                            sawDesired = true;
                            if (member.Value.ValueKind == JsonValueKind.Object)
                            {
                                state.Desired(member.Value);
                            }
                            else
                            {
                                state.DocumentFailed = true;
                            }
                        }
                    }

                    state.DocumentFailed |= !sawDesired;
                }
                else
                {
                    state.Desired(root);
                }
            }

            var expected = new Expected { Version = state.Version, ObjectPresent = state.ObjectPresent };
            if (state.Version >= 0 && lastVersion >= 0 && (isFullTwin ? state.Version < lastVersion : state.Version <= lastVersion))
            {
                expected.Status = TwinUpdateStatus.Stale;
                expected.Values = before;
                expected.Errors = Array.Empty<string>();
                return expected;
            }

            var errors = new List<(int Property, string Type)>();
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                if (state.Failed[i])
                {
                    errors.Add((i, "TypeMismatch"));
                }
            }

            if (state.DocumentFailed)
            {
                errors.Add((-1, "TypeMismatch"));
            }

            long[] c = state.Candidate;
            if (errors.Count == 0)
            {
                if (c[ConfigurationProperty.HighPriorityMessageFrequency] > c[ConfigurationProperty.LowPriorityMessageFrequency])
                {
                    errors.Add((ConfigurationProperty.HighPriorityMessageFrequency, "Conflict"));
                }

                if (c[ConfigurationProperty.MaxLocalCacheSizeInBytes] < c[ConfigurationProperty.MaxMessageSizeInBytes])
                {
                    errors.Add((ConfigurationProperty.MaxLocalCacheSizeInBytes, "Conflict"));
                }
            }

            bool accepted = errors.Count == 0;
            if (accepted)
            {
                long[] compiled = TwinDocuments.Values(defaults);
                int cache = ConfigurationProperty.MaxLocalCacheSizeInBytes;
                int message = ConfigurationProperty.MaxMessageSizeInBytes;
                if (state.Present[cache] && state.Requested[cache] > compiled[cache])
                {
                    errors.Add((cache, "Conflict"));
                }

                if (state.Present[message] && state.Requested[message] > compiled[message])
                {
                    errors.Add((message, "Conflict"));
                }
                else if (state.Present[message] && state.Requested[message] % 4096 != 0)
                {
                    errors.Add((message, "NotOptimal"));
                }
            }

            expected.Status = accepted ? TwinUpdateStatus.Applied : TwinUpdateStatus.Rejected;
            expected.Values = accepted ? c : before;
            expected.Errors = errors
                .Select(e => e.Property < 0
                    ? "TwinConfiguration|" + e.Type + "|unchanged"
                    : Names[e.Property] + "|" + e.Type + "|" + Text(e.Property, expected.Values[e.Property]))
                .OrderBy(e => e, StringComparer.Ordinal)
                .ToArray();
            return expected;
        }

        private static bool Readable(byte[] document)
        {
            var reader = _reader ??= new JsonReader(TwinConfigurationParser.MaxDocumentBytes, TwinConfigurationParser.MaxStringChars);
            try
            {
                reader.Reset(document, 0, document.Length);
                while (reader.Read())
                {
                }

                return true;
            }
            catch (JsonReaderException)
            {
                return false;
            }
        }

        private static string Text(int property, long value)
        {
            switch (ConfigurationProperty.KindOf(property))
            {
                case ConfigurationValueKind.Duration:
                    long days = value / 86400, hours = value % 86400 / 3600, minutes = value % 3600 / 60, seconds = value % 60;
                    string time = (hours > 0 ? hours + "H" : "") + (minutes > 0 ? minutes + "M" : "") + (seconds > 0 ? seconds + "S" : "");
                    return value == 0 ? "PT0S" : "P" + (days > 0 ? days + "D" : "") + (time.Length > 0 ? "T" + time : "");
                case ConfigurationValueKind.Priority:
                    return new[] { "High", "Low", "Off" }[value];
                case ConfigurationValueKind.Boolean:
                    return value != 0 ? "true" : "false";
                default:
                    return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private static bool EqualsIgnoringAsciiCase(string text, string word)
        {
            if (text.Length != word.Length)
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char a = text[i] is >= 'A' and <= 'Z' ? (char)(text[i] + 32) : text[i];
                char b = word[i] is >= 'A' and <= 'Z' ? (char)(word[i] + 32) : word[i];
                if (a != b)
                {
                    return false;
                }
            }

            return true;
        }

        private sealed class State
        {
            public readonly long[] Candidate;
            public readonly long[] Requested;
            public readonly bool[] Present = new bool[ConfigurationProperty.Count];
            public readonly bool[] Failed = new bool[ConfigurationProperty.Count];
            public bool DocumentFailed;
            public long Version = -1;
            public bool ObjectPresent;
            private readonly long[] _defaults;

            public State(long[] baseValues, long[] defaults)
            {
                Candidate = (long[])baseValues.Clone();
                Requested = (long[])baseValues.Clone();
                _defaults = defaults;
            }

            public void Desired(JsonElement desired)
            {
                foreach (JsonProperty member in desired.EnumerateObject())
                {
                    if (member.Name == TwinConfigurationParser.ObjectName)
                    {
                        ObjectPresent = true;
                        if (member.Value.ValueKind == JsonValueKind.Null)
                        {
                            for (int i = 0; i < ConfigurationProperty.Count; i++)
                            {
                                Reset(i);
                            }
                        }
                        else if (member.Value.ValueKind == JsonValueKind.Object)
                        {
                            foreach (JsonProperty property in member.Value.EnumerateObject())
                            {
                                int index = Array.IndexOf(Names, property.Name);
                                if (index >= 0)
                                {
                                    Property(index, property.Value);
                                }
                            }
                        }
                        else
                        {
                            DocumentFailed = true;
                        }
                    }
                    else if (member.Name == "$version")
                    {
                        if (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out long version) && version >= 0)
                        {
                            Version = version;
                        }
                        else
                        {
                            DocumentFailed = true;
                        }
                    }
                }
            }

            private void Property(int index, JsonElement value)
            {
                if (value.ValueKind == JsonValueKind.Null)
                {
                    Reset(index);
                }
                else if (value.ValueKind != JsonValueKind.Object)
                {
                    Failed[index] = true;
                }
                else
                {
                    foreach (JsonProperty member in value.EnumerateObject())
                    {
                        if (member.Name == "value")
                        {
                            Value(index, member.Value);
                        }
                    }
                }
            }

            private void Value(int index, JsonElement value)
            {
                JsonValueKind kind = value.ValueKind;
                if (kind == JsonValueKind.Null)
                {
                    Reset(index);
                    return;
                }

                switch (ConfigurationProperty.KindOf(index))
                {
                    case ConfigurationValueKind.Duration:
                        string text = kind == JsonValueKind.String ? value.GetString() : null;
                        if (text == null || text.Length > TwinConfigurationParser.MaxStringChars || !IsoDurationTests.MatchesSchema(text))
                        {
                            Failed[index] = true;
                            return;
                        }

                        BigInteger seconds = IsoDurationTests.ReferenceSeconds(text);
                        if (seconds < 1 || seconds > MaxDuration)
                        {
                            Failed[index] = true;
                            return;
                        }

                        Set(index, (long)seconds, (long)seconds);
                        return;

                    case ConfigurationValueKind.ByteCount:
                        bool isMessage = index == ConfigurationProperty.MaxMessageSizeInBytes;
                        if (kind != JsonValueKind.Number || !value.TryGetInt64(out long bytes)
                            || bytes < 8192 || (isMessage && bytes > 262144))
                        {
                            Failed[index] = true;
                            return;
                        }

                        Set(index, bytes, Math.Min(bytes, _defaults[index]));
                        return;

                    case ConfigurationValueKind.Priority:
                        string word = kind == JsonValueKind.String ? value.GetString() : null;
                        int priority = word == null || word.Length > TwinConfigurationParser.MaxStringChars ? -1
                            : EqualsIgnoringAsciiCase(word, "high") ? 0
                            : EqualsIgnoringAsciiCase(word, "low") ? 1
                            : EqualsIgnoringAsciiCase(word, "off") ? 2
                            : -1;
                        if (priority < 0)
                        {
                            Failed[index] = true;
                            return;
                        }

                        Set(index, priority, priority);
                        return;

                    default:
                        if (kind != JsonValueKind.True && kind != JsonValueKind.False)
                        {
                            Failed[index] = true;
                            return;
                        }

                        Set(index, kind == JsonValueKind.True ? 1 : 0, kind == JsonValueKind.True ? 1 : 0);
                        return;
                }
            }

            private void Set(int index, long requested, long used)
            {
                Candidate[index] = used;
                Requested[index] = requested;
                Present[index] = true;
            }

            private void Reset(int index)
            {
                Candidate[index] = _defaults[index];
                Requested[index] = _defaults[index];
                Present[index] = false;
            }
        }
    }
}
