#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Reads the twin's <c>nanoSecurity:DetectionConfiguration</c> object, beside Microsoft's
    /// configuration object in the desired properties, for <see cref="TwinConfigurationParser"/>,
    /// which decides for the whole document: a TypeMismatch or Conflict here rejects it too.
    /// </summary>
    /// <remarks>
    /// Every property is <c>{"value": …}</c>, and null (property, value or whole object) resets to
    /// asc_port.config's default, as for Microsoft's object. <c>deniedRemoteAddresses</c>,
    /// <c>allowedRemoteAddresses</c>: arrays of CIDR strings; <c>expectedListeningPorts</c>: an array
    /// of <c>tcp/PORT</c>, <c>udp/PORT</c>; <c>activeConnectionsMin</c>, <c>activeConnectionsMax</c>,
    /// <c>portScanDistinctPorts</c>: integers 0..65535; <c>portScanWindow</c>: an ISO 8601 duration
    /// of 1 s..1 day; <c>enabled</c>: a boolean. A bad value is a TypeMismatch naming its property;
    /// a minimum above the maximum a Conflict; both reject the document. A list longer than its
    /// compiled capacity is a Conflict warning: its first items are used.
    /// </remarks>
    internal sealed class DetectionConfigurationParser
    {
        /// <summary>Name of the object in the desired and reported properties.</summary>
        internal const string ObjectName = "nanoSecurity:DetectionConfiguration";

        internal const string Enabled = "enabled";
        internal const string DeniedRemoteAddresses = "deniedRemoteAddresses";
        internal const string AllowedRemoteAddresses = "allowedRemoteAddresses";
        internal const string ExpectedListeningPorts = "expectedListeningPorts";
        internal const string ActiveConnectionsMin = "activeConnectionsMin";
        internal const string ActiveConnectionsMax = "activeConnectionsMax";
        internal const string PortScanDistinctPorts = "portScanDistinctPorts";
        internal const string PortScanWindow = "portScanWindow";

        /// <summary>Longest port-scan window, in seconds: the range of ASC_DETECTIONS_PORT_SCAN_WINDOW.</summary>
        internal const long MaxWindowSeconds = 86400;

        private const int MaxCount = 65535;

        // Each property fails or warns once, plus the min/max Conflict.
        private const int MaxPending = 10;

        private static readonly string[] Names =
        {
            Enabled, DeniedRemoteAddresses, AllowedRemoteAddresses, ExpectedListeningPorts,
            ActiveConnectionsMin, ActiveConnectionsMax, PortScanDistinctPorts, PortScanWindow,
        };

        private readonly DetectionSettings _defaults;
        private readonly DetectionSettings _candidate = new DetectionSettings();
        private readonly CidrRange _range = new CidrRange();
        private readonly string[] _pendingName = new string[MaxPending];
        private readonly ConfigurationErrorType[] _pendingType = new ConfigurationErrorType[MaxPending];
        private readonly string[] _pendingMessage = new string[MaxPending];
        private readonly bool[] _failed = new bool[8];
        private int _pendingCount;

        /// <param name="defaults">asc_port.config's rules: what a full twin starts from and a reset takes; kept, never changed.</param>
        internal DetectionConfigurationParser(DetectionSettings defaults)
        {
            _defaults = defaults;
        }

        /// <summary>Whether a value of the document was refused (TypeMismatch).</summary>
        internal bool Failed { get; private set; }

        /// <summary>Whether the last committed document changed the rules.</summary>
        internal bool Changed { get; private set; }

        /// <summary>Starts a document from the rules it changes (the defaults for a full twin).</summary>
        internal void Begin(DetectionSettings baseSettings)
        {
            _candidate.CopyFrom(baseSettings == null ? _defaults : baseSettings);
            Failed = false;
            Changed = false;
            for (int i = 0; i < _failed.Length; i++)
            {
                _failed[i] = false;
            }

            ClearPending();
        }

        /// <summary>Forgets the errors of a document that is not applied at all (stale, unreadable).</summary>
        internal void ClearPending()
        {
            for (int i = 0; i < _pendingCount; i++)
            {
                _pendingMessage[i] = null;
            }

            _pendingCount = 0;
        }

        /// <summary>Reads the object's value; the reader is on its member name.</summary>
        internal void Read(JsonReader reader)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                _candidate.CopyFrom(_defaults);
                return;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Fail(-1, ObjectName + " is not an object");
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int property = -1;
                for (int i = 0; i < Names.Length; i++)
                {
                    if (reader.ValueEquals(Names[i]))
                    {
                        property = i;
                        break;
                    }
                }

                if (property < 0)
                {
                    reader.Skip();
                    continue;
                }

                ReadProperty(reader, property);
            }
        }

        /// <summary>Records the Conflict of a minimum above the maximum; true if so.</summary>
        internal bool HasConflicts()
        {
            if (_candidate.ActiveConnectionsMin <= _candidate.ActiveConnectionsMax)
            {
                return false;
            }

            AddPending(ActiveConnectionsMin, ConfigurationErrorType.Conflict, "activeConnectionsMin " + _candidate.ActiveConnectionsMin.ToString()
                + " is above activeConnectionsMax " + _candidate.ActiveConnectionsMax.ToString());
            return true;
        }

        /// <summary>Puts the document's rules in <paramref name="current"/>.</summary>
        internal void Commit(DetectionSettings current)
        {
            Changed = !current.SameAs(_candidate);
            current.CopyFrom(_candidate);
        }

        /// <summary>Hands the document's errors on, each with the value in force once the document was handled.</summary>
        internal void FlushErrors(ConfigurationErrorList errors, DetectionSettings inForce)
        {
            for (int i = 0; i < _pendingCount; i++)
            {
                errors.Add(new ConfigurationError(_pendingName[i], _pendingType[i], ValueText(inForce, _pendingName[i]), _pendingMessage[i]));
            }

            ClearPending();
        }

        /// <summary>The value of a property as a short text, for UsedConfiguration.</summary>
        internal static string ValueText(DetectionSettings settings, string name)
        {
            if (name == Enabled)
            {
                return settings.Enabled ? "true" : "false";
            }

            if (name == DeniedRemoteAddresses || name == AllowedRemoteAddresses)
            {
                AddressRuleList list = name == DeniedRemoteAddresses ? settings.DeniedRemoteAddresses : settings.AllowedRemoteAddresses;
                string text = string.Empty;
                for (int i = 0; i < list.Count; i++)
                {
                    text = i == 0 ? list.TextOf(i) : text + "," + list.TextOf(i);
                }

                return text;
            }

            if (name == ExpectedListeningPorts)
            {
                string text = string.Empty;
                for (int i = 0; i < settings.ExpectedListeningPorts.Count; i++)
                {
                    text = i == 0 ? settings.ExpectedListeningPorts.TextOf(i) : text + "," + settings.ExpectedListeningPorts.TextOf(i);
                }

                return text;
            }

            if (name == ActiveConnectionsMin)
            {
                return settings.ActiveConnectionsMin.ToString();
            }

            if (name == ActiveConnectionsMax)
            {
                return settings.ActiveConnectionsMax.ToString();
            }

            if (name == PortScanDistinctPorts)
            {
                return settings.PortScanDistinctPorts.ToString();
            }

            if (name == PortScanWindow)
            {
                return IsoDuration.Format(settings.PortScanWindow);
            }

            return TwinConfigurationParser.UnchangedConfiguration;
        }

        private void ReadProperty(JsonReader reader, int property)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                Reset(property);
                return;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Fail(property, Names[property] + ": expected {\"value\": ...}");
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueEquals("value"))
                {
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    Reset(property);
                }
                else
                {
                    ReadValue(reader, property);
                }

                // A value of the wrong type may be a container: move to its end.
                reader.Skip();
            }
        }

        private void ReadValue(JsonReader reader, int property)
        {
            string name = Names[property];
            JsonTokenType type = reader.TokenType;
            switch (property)
            {
                case 0:
                    bool enabled;
                    if (reader.TryGetBoolean(out enabled))
                    {
                        _candidate.Enabled = enabled;
                    }
                    else
                    {
                        Fail(property, name + ": expected true or false");
                    }

                    return;
                case 1:
                case 2:
                case 3:
                    ReadList(reader, property);
                    return;
                case 7:
                    ReadWindow(reader, property);
                    return;
            }

            long value;
            if (type != JsonTokenType.Number || !reader.TryGetInt64(out value) || value < 0 || value > MaxCount)
            {
                Fail(property, name + ": expected a whole number 0.." + MaxCount.ToString());
                return;
            }

            if (property == 4)
            {
                _candidate.ActiveConnectionsMin = (int)value;
            }
            else if (property == 5)
            {
                _candidate.ActiveConnectionsMax = (int)value;
            }
            else
            {
                _candidate.PortScanDistinctPorts = (int)value;
            }
        }

        private void ReadWindow(JsonReader reader, int property)
        {
            long seconds;
            if (reader.TokenType != JsonTokenType.String || !reader.IsTextComplete
                || !IsoDuration.TryParse(reader.GetString(), out seconds) || seconds < 1 || seconds > MaxWindowSeconds)
            {
                Fail(property, PortScanWindow + ": expected an ISO 8601 duration of 1 second to 1 day, such as PT1M");
                return;
            }

            _candidate.PortScanWindow = seconds;
        }

        /// <summary>Reads an array of rules into the candidate, all or nothing: a bad item fails the property.</summary>
        private void ReadList(JsonReader reader, int property)
        {
            string name = Names[property];
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fail(property, name + ": expected an array of strings");
                return;
            }

            AddressRuleList ranges = property == 1 ? _candidate.DeniedRemoteAddresses : property == 2 ? _candidate.AllowedRemoteAddresses : null;
            PortRuleList ports = property == 3 ? _candidate.ExpectedListeningPorts : null;
            if (ranges != null)
            {
                ranges.Clear();
            }
            else
            {
                ports.Clear();
            }

            int items = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                items++;
                if (reader.TokenType != JsonTokenType.String || !reader.IsTextComplete)
                {
                    Fail(property, name + ": item " + items.ToString() + " is not a string of at most "
                        + TwinConfigurationParser.MaxStringChars.ToString() + " chars");
                    reader.Skip();
                    continue;
                }

                string error;
                if (ranges != null)
                {
                    error = CidrRange.TryParse(reader.GetString(), _range);
                    if (error == null)
                    {
                        ranges.Add(_range);
                    }
                }
                else
                {
                    TransportProtocol protocol;
                    ushort port;
                    error = PortRuleList.TryParse(reader.GetString(), out protocol, out port);
                    if (error == null)
                    {
                        ports.Add(protocol, port);
                    }
                }

                if (error != null)
                {
                    Fail(property, name + ": " + error);
                }
            }

            int capacity = ranges != null ? ranges.Capacity : ports.Capacity;
            if (items > capacity && !_failed[property])
            {
                AddPending(name, ConfigurationErrorType.Conflict, name + " holds " + items.ToString() + " items, more than the "
                    + capacity.ToString() + " compiled in (" + CapacityKey(property) + "); the first " + capacity.ToString() + " are used");
            }
        }

        private static string CapacityKey(int property)
        {
            return property == 1 ? "ASC_DETECTIONS_MAX_DENIED_RANGES"
                : property == 2 ? "ASC_DETECTIONS_MAX_ALLOWED_RANGES"
                : "ASC_DETECTIONS_MAX_EXPECTED_LISTENING_PORTS";
        }

        private void Reset(int property)
        {
            switch (property)
            {
                case 0:
                    _candidate.Enabled = _defaults.Enabled;
                    break;
                case 1:
                    _candidate.DeniedRemoteAddresses.CopyFrom(_defaults.DeniedRemoteAddresses);
                    break;
                case 2:
                    _candidate.AllowedRemoteAddresses.CopyFrom(_defaults.AllowedRemoteAddresses);
                    break;
                case 3:
                    _candidate.ExpectedListeningPorts.CopyFrom(_defaults.ExpectedListeningPorts);
                    break;
                case 4:
                    _candidate.ActiveConnectionsMin = _defaults.ActiveConnectionsMin;
                    break;
                case 5:
                    _candidate.ActiveConnectionsMax = _defaults.ActiveConnectionsMax;
                    break;
                case 6:
                    _candidate.PortScanDistinctPorts = _defaults.PortScanDistinctPorts;
                    break;
                default:
                    _candidate.PortScanWindow = _defaults.PortScanWindow;
                    break;
            }
        }

        private void Fail(int property, string message)
        {
            Failed = true;
            if (property >= 0)
            {
                if (_failed[property])
                {
                    return;
                }

                _failed[property] = true;
            }

            AddPending(property >= 0 ? Names[property] : ObjectName, ConfigurationErrorType.TypeMismatch, message);
        }

        private void AddPending(string name, ConfigurationErrorType type, string message)
        {
            if (_pendingCount == MaxPending)
            {
                return;
            }

            _pendingName[_pendingCount] = name;
            _pendingType[_pendingCount] = type;
            _pendingMessage[_pendingCount] = message;
            _pendingCount++;
        }
    }
}
#endif
