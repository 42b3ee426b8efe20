using System;

namespace NanoSecurity
{
    /// <summary>
    /// Reads the agent configuration out of the <c>azureiotsecurity</c> module twin, validates
    /// it by the legacy C agent's rules, and applies it to an <see cref="AgentConfiguration"/>
    /// only when the whole document is acceptable.
    /// </summary>
    /// <remarks>
    /// <para>Two documents come from IoT Hub. The answer to a twin GET is the full twin,
    /// <c>{"desired":{…,"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration":{…},"$version":N},"reported":{…}}</c>:
    /// it is the whole desired state, so a property it leaves out takes its default, and so do
    /// all of them when the configuration object is absent. A desired-properties PATCH is the
    /// JSON merge patch itself, <c>{"ms_iotn:…":{…},"$version":N}</c>: a property it leaves out
    /// keeps its current value.</para>
    /// <para>Every property is <c>{"value": …}</c>. Following merge-patch semantics, a property
    /// set to <c>null</c>, a <c>"value": null</c>, and the whole object set to <c>null</c> reset
    /// to the defaults (IoT Hub deletes the member, so the twin no longer sets it); a property
    /// object without <c>"value"</c> sets nothing (in a full twin, where the base is the
    /// defaults, that is the default). Members of a property object other than
    /// <c>"value"</c>, and properties the module does not act on, are skipped unchecked.</para>
    /// <para>Validation, after the C agent: a duration must match the schema's pattern and lie
    /// within 1 s and 30 days; <c>maxLocalCacheSizeInBytes</c> at least 8192;
    /// <c>maxMessageSizeInBytes</c> 8192..262144; a priority High, Low or Off in any case; a
    /// boolean a JSON boolean; sizes whole numbers written without fraction or exponent.
    /// Anything else is a TypeMismatch naming the property, a duration or priority string
    /// longer than <see cref="MaxStringChars"/> included (it is not kept to be read). A string
    /// of that length anywhere else is read and skipped like any other; as a member name it is
    /// just a name the module does not know. A document that cannot be read
    /// (malformed JSON, over <see cref="MaxDocumentBytes"/>, a configuration object, desired
    /// section or <c>$version</c> of the wrong type) is one TypeMismatch named
    /// <c>TwinConfiguration</c>, with UsedConfiguration <c>unchanged</c>. When the values are
    /// valid, two Conflicts are checked on the configuration the document would put in force
    /// (sizes clamped, properties it does not set at their base value):
    /// <c>highPriorityMessageFrequency</c> longer than <c>lowPriorityMessageFrequency</c>,
    /// and <c>maxLocalCacheSizeInBytes</c> smaller than <c>maxMessageSizeInBytes</c>. Checking
    /// what would be used rather than what is asked for keeps a twin that is consistent by
    /// Microsoft's defaults (say, only <c>maxMessageSizeInBytes</c> 262144, against a default
    /// cache of 2,560,000) from conflicting with this module's far smaller compiled cache.</para>
    /// <para>Any TypeMismatch or Conflict rejects the whole document: the configuration stays
    /// as it was, and only those errors are recorded (the C# agent applied a conflicting
    /// configuration; the issue asks for an invalid one to change nothing). An acceptable
    /// document is applied as a whole, with two kinds of warning: a size above what was
    /// compiled in (ASC_LOCAL_CACHE_SIZE, ASC_MAX_MESSAGE_SIZE) is clamped to it, which is a
    /// Conflict; a <c>maxMessageSizeInBytes</c> that is not a multiple of 4096 is NotOptimal.
    /// Each error's UsedConfiguration is the value in force once the document was handled.
    /// A property is reported at most once per document, however often it repeats.</para>
    /// <para>Versions: a PATCH whose <c>$version</c> is not above the last version seen is
    /// stale; a full twin only when its version is below it (a GET answered after a newer
    /// patch). A stale document is ignored whole, errors and all. A document without
    /// <c>$version</c> is never stale.</para>
    /// <para>Allocates at construction the reader (its decoding buffer is
    /// <see cref="MaxStringChars"/> chars, 512 bytes on nanoCLR) and small tables; a document
    /// then allocates only the strings of durations and of errors. Not thread-safe: one
    /// instance per reading thread.</para>
    /// </remarks>
    internal sealed class TwinConfigurationParser
    {
        /// <summary>Name of the configuration object in the desired properties.</summary>
        internal const string ObjectName = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        /// <summary>ConfigurationName of an error about the whole document.</summary>
        internal const string DocumentErrorName = "TwinConfiguration";

        /// <summary>UsedConfiguration of an error about the whole document: the configuration did not change.</summary>
        internal const string UnchangedConfiguration = "unchanged";

        /// <summary>Largest document read: IoT Hub's limit for the desired section. A larger one is a TwinConfiguration error.</summary>
        internal const int MaxDocumentBytes = 32 * 1024;

        /// <summary>
        /// Longest string the parser looks at, in UTF-16 chars after unescaping: the size of the
        /// reader's decoding buffer. What it compares or reads is short: the longest name is
        /// <see cref="ObjectName"/> (56 chars), a priority 4 chars, a duration a few (PT7M; all
        /// seven components of ten digits each stay under 100). Strings it skips (other
        /// properties, the reported section, other applications' settings) may be longer, up to
        /// IoT Hub's 4 KB per string: the reader validates and counts them without keeping
        /// them, so they need no room in the buffer. A duration or priority value longer than
        /// this is a TypeMismatch of its property.
        /// </summary>
        internal const int MaxStringChars = 256;

        /// <summary>Shortest duration accepted, in seconds (the C agent refuses less than 1 s).</summary>
        internal const long MinDurationSeconds = 1;

        /// <summary>Longest duration accepted, in seconds: 30 days, the range of the asc_port.config frequencies.</summary>
        internal const long MaxDurationSeconds = 30L * 24 * 3600;

        /// <summary>Smallest <c>maxLocalCacheSizeInBytes</c> (Microsoft's schema).</summary>
        internal const long MinLocalCacheSize = 8192;

        /// <summary>Smallest <c>maxMessageSizeInBytes</c> (Microsoft's schema).</summary>
        internal const long MinMessageSize = 8192;

        /// <summary>Largest <c>maxMessageSizeInBytes</c> (Microsoft's schema; IoT Hub's 256 KB message limit).</summary>
        internal const long MaxMessageSize = 262144;

        /// <summary>A message size that is not a multiple of this (IoT Hub's billing block) is NotOptimal.</summary>
        internal const long OptimalMessageSizeMultiple = 4096;

        // One document raises at most one error per property, two Conflicts and one document error.
        private const int MaxPendingErrors = ConfigurationProperty.Count + 3;

        // Found values are quoted in messages up to this many chars.
        private const int MaxQuotedChars = 32;

        private const int NoProperty = -1;

        private readonly JsonReader _reader = new JsonReader(MaxDocumentBytes, MaxStringChars);
        private readonly AgentConfiguration _defaults = new AgentConfiguration();
        private readonly AgentConfiguration _candidate = new AgentConfiguration();

        // Per property, for the document being read: the value it asks for before clamping
        // (for the warnings), whether it set a value, and whether it already raised an error.
        private readonly long[] _requested = new long[ConfigurationProperty.Count];
        private readonly bool[] _present = new bool[ConfigurationProperty.Count];
        private readonly bool[] _failed = new bool[ConfigurationProperty.Count];

        // Errors of the document being read; UsedConfiguration is only known once it is handled.
        private readonly int[] _pendingProperty = new int[MaxPendingErrors];
        private readonly ConfigurationErrorType[] _pendingType = new ConfigurationErrorType[MaxPendingErrors];
        private readonly string[] _pendingMessage = new string[MaxPendingErrors];
        private int _pendingCount;
        private bool _documentFailed;
#if ASC_DETECTIONS_ENABLED
        private DetectionConfigurationParser _detections;
        private DetectionSettings _currentDetections;
#endif

        /// <summary>Allocates everything reading will need.</summary>
        /// <param name="defaults">
        /// The build-time configuration, <see cref="AgentConfiguration.Defaults"/>: the base of a
        /// full twin, what a property reset with null takes, and the ceiling of the two sizes.
        /// It is copied.
        /// </param>
        /// <exception cref="ArgumentNullException"><paramref name="defaults"/> is null.</exception>
        internal TwinConfigurationParser(AgentConfiguration defaults)
        {
            if (defaults == null)
            {
                throw new ArgumentNullException("defaults");
            }

            _defaults.CopyFrom(defaults);
        }

#if ASC_DETECTIONS_ENABLED
        /// <summary>
        /// Also reads <c>nanoSecurity:DetectionConfiguration</c> into <paramref name="current"/>,
        /// in the same all-or-nothing decision as Microsoft's object.
        /// </summary>
        /// <param name="defaults">asc_port.config's rules: kept, never changed.</param>
        /// <param name="current">The rules in force; changed only when a document is applied.</param>
        internal void UseDetections(DetectionSettings defaults, DetectionSettings current)
        {
            _detections = new DetectionConfigurationParser(defaults);
            _currentDetections = current;
        }
#endif

        /// <summary>
        /// The <c>$version</c> of the desired properties in the last document, or -1 if it had
        /// none or could not be read. The caller keeps the highest one of the documents that were
        /// not <see cref="TwinUpdateStatus.Stale"/> and passes it as the next <c>lastVersion</c>.
        /// </summary>
        internal long Version { get; private set; }

        /// <summary>Whether the last document held the configuration object (as an object or as null).</summary>
        internal bool ObjectPresent { get; private set; }

        /// <summary>Whether the last document changed the configuration.</summary>
        internal bool Changed { get; private set; }

        /// <summary>
        /// Reads a twin document and, if it is acceptable and not stale, applies it to
        /// <paramref name="current"/>. Never throws for anything the document holds.
        /// </summary>
        /// <param name="utf8">Buffer holding the document; read in place, not kept.</param>
        /// <param name="offset">Index of its first byte.</param>
        /// <param name="count">Its length in bytes.</param>
        /// <param name="isFullTwin">True for the answer to a twin GET, false for a desired-properties PATCH.</param>
        /// <param name="lastVersion">
        /// The highest <see cref="Version"/> seen so far (of any document not stale), or -1 before the first.
        /// </param>
        /// <param name="current">The configuration in force; changed only when the result is <see cref="TwinUpdateStatus.Applied"/>.</param>
        /// <param name="errors">Receives the document's errors and warnings.</param>
        /// <returns>What was done; <see cref="Version"/>, <see cref="ObjectPresent"/> and <see cref="Changed"/> tell more.</returns>
        /// <exception cref="ArgumentNullException">A reference argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The segment is not inside <paramref name="utf8"/>.</exception>
        internal TwinUpdateStatus Apply(
            byte[] utf8,
            int offset,
            int count,
            bool isFullTwin,
            long lastVersion,
            AgentConfiguration current,
            ConfigurationErrorList errors)
        {
            if (current == null || errors == null)
            {
                throw new ArgumentNullException(current == null ? "current" : "errors");
            }

            Begin(isFullTwin ? _defaults : current);
#if ASC_DETECTIONS_ENABLED
            if (_detections != null)
            {
                _detections.Begin(isFullTwin ? null : _currentDetections);
            }
#endif
            bool readable = true;
            try
            {
                _reader.Reset(utf8, offset, count);
                ReadDocument(isFullTwin);
            }
            catch (JsonReaderException e)
            {
                // What was found before the break may be wrong too, but the document as a
                // whole is what the operator has to fix; and a version read from a broken
                // document is no version.
                readable = false;
                ClearPending();
#if ASC_DETECTIONS_ENABLED
                if (_detections != null)
                {
                    _detections.Begin(_currentDetections);
                }
#endif
                _documentFailed = false;
                Version = -1;
                ObjectPresent = false;
                DocumentError("the twin document cannot be read: " + e.Message);
            }

            if (readable && Version >= 0 && lastVersion >= 0
                && (isFullTwin ? Version < lastVersion : Version <= lastVersion))
            {
                ClearPending();
#if ASC_DETECTIONS_ENABLED
                if (_detections != null)
                {
                    _detections.ClearPending();
                }
#endif
                return TwinUpdateStatus.Stale;
            }

            bool accepted = !_documentFailed && !AnyPropertyFailed();
#if ASC_DETECTIONS_ENABLED
            accepted &= _detections == null || !_detections.Failed;
#endif

            // The Conflicts only mean something between values that are each valid.
            if (accepted)
            {
                accepted = !HasConflicts();
#if ASC_DETECTIONS_ENABLED
                accepted &= _detections == null || !_detections.HasConflicts();
#endif
            }

            if (accepted)
            {
                AddWarnings();
                Changed = !current.SameAs(_candidate);
                current.CopyFrom(_candidate);
#if ASC_DETECTIONS_ENABLED
                if (_detections != null)
                {
                    _detections.Commit(_currentDetections);
                    Changed |= _detections.Changed;
                }
#endif
            }

            for (int i = 0; i < _pendingCount; i++)
            {
                int property = _pendingProperty[i];
                errors.Add(new ConfigurationError(
                    property == NoProperty ? DocumentErrorName : ConfigurationProperty.NameOf(property),
                    _pendingType[i],
                    property == NoProperty ? UnchangedConfiguration : ConfigurationProperty.FormatValue(current, property),
                    _pendingMessage[i]));
            }

            ClearPending();
#if ASC_DETECTIONS_ENABLED
            if (_detections != null)
            {
                _detections.FlushErrors(errors, _currentDetections);
            }
#endif
            return accepted ? TwinUpdateStatus.Applied : TwinUpdateStatus.Rejected;
        }

        private static string TokenName(JsonTokenType type)
        {
            switch (type)
            {
                case JsonTokenType.StartObject:
                    return "an object";
                case JsonTokenType.StartArray:
                    return "an array";
                case JsonTokenType.String:
                    return "a string";
                case JsonTokenType.Number:
                    return "a number";
                case JsonTokenType.True:
                    return "true";
                case JsonTokenType.False:
                    return "false";
                default:
                    return "null";
            }
        }

        /// <summary>The text quoted for a message, cut short without splitting a surrogate pair.</summary>
        private static string Quote(string text)
        {
            if (text.Length <= MaxQuotedChars)
            {
                return "\"" + text + "\"";
            }

            int length = MaxQuotedChars;
            // Not text[length - 1]: on nanoCLR the indexer answers a low surrogate's index with its high half.
            if (Utf16.IsHighSurrogate(text.ToCharArray()[length - 1]))
            {
                length--;
            }

            return "\"" + text.Substring(0, length) + "...\"";
        }

        private void Begin(AgentConfiguration baseConfiguration)
        {
            _candidate.CopyFrom(baseConfiguration);
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                _requested[i] = _candidate.Get(i);
                _present[i] = false;
                _failed[i] = false;
            }

            ClearPending();
            _documentFailed = false;
            Version = -1;
            ObjectPresent = false;
            Changed = false;
        }

        private void ReadDocument(bool isFullTwin)
        {
            _reader.Read();
            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                DocumentError("the twin document is " + TokenName(_reader.TokenType) + ", not an object");
                _reader.Skip();
            }
            else if (isFullTwin)
            {
                bool sawDesired = false;
                while (ReadMember())
                {
                    if (_reader.ValueEquals("desired"))
                    {
                        sawDesired = true;
                        _reader.Read();
                        if (_reader.TokenType == JsonTokenType.StartObject)
                        {
                            ReadDesired();
                        }
                        else
                        {
                            DocumentError("\"desired\" is " + TokenName(_reader.TokenType) + ", not an object");
                            _reader.Skip();
                        }
                    }
                    else
                    {
                        _reader.Skip();
                    }
                }

                if (!sawDesired)
                {
                    DocumentError("the twin has no \"desired\" section");
                }
            }
            else
            {
                ReadDesired();
            }

            // Refuses anything after the root value.
            _reader.Read();
        }

        /// <summary>Moves to the next member of the current object; false at its end.</summary>
        private bool ReadMember()
        {
            _reader.Read();
            return _reader.TokenType == JsonTokenType.PropertyName;
        }

        /// <summary>Reads the members of the desired properties, from their opening brace to their closing one.</summary>
        private void ReadDesired()
        {
            while (ReadMember())
            {
                if (_reader.ValueEquals(ObjectName))
                {
                    ReadConfigurationObject();
                }
#if ASC_DETECTIONS_ENABLED
                else if (_detections != null && _reader.ValueEquals(DetectionConfigurationParser.ObjectName))
                {
                    _detections.Read(_reader);
                }
#endif
                else if (_reader.ValueEquals("$version"))
                {
                    ReadVersion();
                }
                else
                {
                    _reader.Skip();
                }
            }
        }

        private void ReadVersion()
        {
            _reader.Read();
            long version;
            if (_reader.TokenType == JsonTokenType.Number && _reader.TryGetInt64(out version) && version >= 0)
            {
                Version = version;
            }
            else
            {
                DocumentError("$version is " + TokenName(_reader.TokenType) + ", not a whole number of at least 0");
                _reader.Skip();
            }
        }

        private void ReadConfigurationObject()
        {
            _reader.Read();
            ObjectPresent = true;
            if (_reader.TokenType == JsonTokenType.Null)
            {
                for (int i = 0; i < ConfigurationProperty.Count; i++)
                {
                    ResetToDefault(i);
                }
            }
            else if (_reader.TokenType == JsonTokenType.StartObject)
            {
                while (ReadMember())
                {
                    int property = FindProperty();
                    if (property == NoProperty)
                    {
                        _reader.Skip();
                    }
                    else
                    {
                        ReadProperty(property);
                    }
                }
            }
            else
            {
                DocumentError(ObjectName + " is " + TokenName(_reader.TokenType) + ", not an object");
                _reader.Skip();
            }
        }

        private int FindProperty()
        {
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                if (_reader.ValueEquals(ConfigurationProperty.NameOf(i)))
                {
                    return i;
                }
            }

            return NoProperty;
        }

        /// <summary>Reads a known property's object, from its name to its closing brace.</summary>
        private void ReadProperty(int property)
        {
            _reader.Read();
            if (_reader.TokenType == JsonTokenType.Null)
            {
                ResetToDefault(property);
                return;
            }

            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                PropertyError(property, "expected {\"value\": ...}, found " + TokenName(_reader.TokenType));
                _reader.Skip();
                return;
            }

            while (ReadMember())
            {
                if (_reader.ValueEquals("value"))
                {
                    _reader.Read();
                    ReadValue(property);

                    // A value of the wrong type may be a container: move to its end.
                    _reader.Skip();
                }
                else
                {
                    _reader.Skip();
                }
            }
        }

        private void ReadValue(int property)
        {
            JsonTokenType type = _reader.TokenType;
            if (type == JsonTokenType.Null)
            {
                ResetToDefault(property);
                return;
            }

            switch (ConfigurationProperty.KindOf(property))
            {
                case ConfigurationValueKind.Duration:
                    ReadDuration(property, type);
                    break;
                case ConfigurationValueKind.ByteCount:
                    ReadByteCount(property, type);
                    break;
                case ConfigurationValueKind.Priority:
                    ReadPriority(property, type);
                    break;
                default:
                    if (type == JsonTokenType.True || type == JsonTokenType.False)
                    {
                        SetValue(property, type == JsonTokenType.True ? 1 : 0, type == JsonTokenType.True ? 1 : 0);
                    }
                    else
                    {
                        PropertyError(property, "expected true or false, found " + TokenName(type));
                    }

                    break;
            }
        }

        private void ReadDuration(int property, JsonTokenType type)
        {
            if (type != JsonTokenType.String)
            {
                PropertyError(property, "expected an ISO 8601 duration string, found " + TokenName(type));
                return;
            }

            if (!_reader.IsTextComplete)
            {
                PropertyError(property, "a string of " + _reader.TextLength.ToString()
                    + " chars is too long for an ISO 8601 duration (at most " + MaxStringChars.ToString() + " are read)");
                return;
            }

            string text = _reader.GetString();
            long seconds;
            if (!IsoDuration.TryParse(text, out seconds))
            {
                PropertyError(property, Quote(text) + " is not an ISO 8601 duration of the form P[nY][nM][nW][nD][T[nH][nM][nS]]");
            }
            else if (seconds < MinDurationSeconds)
            {
                PropertyError(property, Quote(text) + " is shorter than 1 second");
            }
            else if (seconds > MaxDurationSeconds)
            {
                PropertyError(property, Quote(text) + " is longer than 30 days");
            }
            else
            {
                SetValue(property, seconds, seconds);
            }
        }

        private void ReadByteCount(int property, JsonTokenType type)
        {
            long bytes;
            if (type != JsonTokenType.Number || !_reader.TryGetInt64(out bytes))
            {
                PropertyError(property, "expected a whole number of bytes, found " + TokenName(type)
                    + (type == JsonTokenType.Number ? " with a fraction, an exponent or too many digits" : string.Empty));
                return;
            }

            long min = property == ConfigurationProperty.MaxMessageSizeInBytes ? MinMessageSize : MinLocalCacheSize;
            long max = property == ConfigurationProperty.MaxMessageSizeInBytes ? MaxMessageSize : long.MaxValue;
            if (bytes < min)
            {
                PropertyError(property, bytes.ToString() + " is below the minimum of " + min.ToString());
            }
            else if (bytes > max)
            {
                PropertyError(property, bytes.ToString() + " is above the maximum of " + max.ToString());
            }
            else
            {
                long compiled = _defaults.Get(property);
                SetValue(property, bytes, bytes > compiled ? compiled : bytes);
            }
        }

        private void ReadPriority(int property, JsonTokenType type)
        {
            if (type != JsonTokenType.String)
            {
                PropertyError(property, "expected \"High\", \"Low\" or \"Off\", found " + TokenName(type));
            }
            else if (_reader.ValueEqualsIgnoreCase("High"))
            {
                SetValue(property, (long)EventPriority.High, (long)EventPriority.High);
            }
            else if (_reader.ValueEqualsIgnoreCase("Low"))
            {
                SetValue(property, (long)EventPriority.Low, (long)EventPriority.Low);
            }
            else if (_reader.ValueEqualsIgnoreCase("Off"))
            {
                SetValue(property, (long)EventPriority.Off, (long)EventPriority.Off);
            }
            else if (!_reader.IsTextComplete)
            {
                PropertyError(property, "a string of " + _reader.TextLength.ToString() + " chars is not High, Low or Off");
            }
            else
            {
                PropertyError(property, Quote(_reader.GetString()) + " is not High, Low or Off");
            }
        }

        private void SetValue(int property, long requested, long used)
        {
            _candidate.Set(property, used);
            _requested[property] = requested;
            _present[property] = true;
        }

        private void ResetToDefault(int property)
        {
            long value = _defaults.Get(property);
            _candidate.Set(property, value);
            _requested[property] = value;
            _present[property] = false;
        }

        private bool AnyPropertyFailed()
        {
            for (int i = 0; i < ConfigurationProperty.Count; i++)
            {
                if (_failed[i])
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Records the C agent's two Conflicts, on the configuration the document would put in
        /// force (sizes clamped); true if any.
        /// </summary>
        private bool HasConflicts()
        {
            bool conflict = false;
            long high = _candidate.HighPriorityMessageFrequency;
            long low = _candidate.LowPriorityMessageFrequency;
            if (high > low)
            {
                AddPending(
                    ConfigurationProperty.HighPriorityMessageFrequency,
                    ConfigurationErrorType.Conflict,
                    "highPriorityMessageFrequency " + IsoDuration.Format(high)
                        + " is longer than lowPriorityMessageFrequency " + IsoDuration.Format(low));
                conflict = true;
            }

            int cache = _candidate.MaxLocalCacheSizeInBytes;
            int message = _candidate.MaxMessageSizeInBytes;
            if (cache < message)
            {
                AddPending(
                    ConfigurationProperty.MaxLocalCacheSizeInBytes,
                    ConfigurationErrorType.Conflict,
                    "maxLocalCacheSizeInBytes " + cache.ToString() + " is smaller than maxMessageSizeInBytes " + message.ToString());
                conflict = true;
            }

            return conflict;
        }

        /// <summary>Records the warnings of an accepted document: clamped sizes and a size that is not a multiple of 4096.</summary>
        private void AddWarnings()
        {
            AddClampWarning(ConfigurationProperty.MaxLocalCacheSizeInBytes, "ASC_LOCAL_CACHE_SIZE");
            if (!AddClampWarning(ConfigurationProperty.MaxMessageSizeInBytes, "ASC_MAX_MESSAGE_SIZE")
                && _present[ConfigurationProperty.MaxMessageSizeInBytes]
                && _requested[ConfigurationProperty.MaxMessageSizeInBytes] % OptimalMessageSizeMultiple != 0)
            {
                AddPending(
                    ConfigurationProperty.MaxMessageSizeInBytes,
                    ConfigurationErrorType.NotOptimal,
                    "maxMessageSizeInBytes " + _requested[ConfigurationProperty.MaxMessageSizeInBytes].ToString()
                        + " is not a multiple of 4096, the size of an IoT Hub billing block");
            }
        }

        private bool AddClampWarning(int property, string key)
        {
            long requested = _requested[property];
            long compiled = _defaults.Get(property);
            if (!_present[property] || requested <= compiled)
            {
                return false;
            }

            AddPending(
                property,
                ConfigurationErrorType.Conflict,
                ConfigurationProperty.NameOf(property) + " " + requested.ToString() + " is more than the "
                    + compiled.ToString() + " bytes compiled in (" + key + "); " + compiled.ToString() + " is used");
            return true;
        }

        private void PropertyError(int property, string message)
        {
            if (_failed[property])
            {
                return;
            }

            _failed[property] = true;
            AddPending(property, ConfigurationErrorType.TypeMismatch, ConfigurationProperty.NameOf(property) + ": " + message);
        }

        private void DocumentError(string message)
        {
            if (_documentFailed)
            {
                return;
            }

            _documentFailed = true;
            AddPending(NoProperty, ConfigurationErrorType.TypeMismatch, message);
        }

        private void ClearPending()
        {
            for (int i = 0; i < _pendingCount; i++)
            {
                _pendingMessage[i] = null;
            }

            _pendingCount = 0;
        }

        private void AddPending(int property, ConfigurationErrorType type, string message)
        {
            // Cannot overflow: each property fails once, the document once, and two Conflicts.
            _pendingProperty[_pendingCount] = property;
            _pendingType[_pendingCount] = type;
            _pendingMessage[_pendingCount] = message;
            _pendingCount++;
        }
    }
}
