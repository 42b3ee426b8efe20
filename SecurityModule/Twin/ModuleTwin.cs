namespace NanoSecurity
{
    /// <summary>
    /// The module's side of the <c>azureiotsecurity</c> twin: applies the documents IoT Hub
    /// sends (the full twin, desired patches) to the configuration in force, hands it to the
    /// engine and the offline cache, queues the configuration errors, and says when the
    /// reported properties must be sent again.
    /// </summary>
    /// <remarks>
    /// Documents come on the transport's reader thread and reports go out on its session
    /// thread, so every member locks. Versions: the highest <c>$version</c> of any document
    /// that was not stale is kept, so a patch that IoT Hub sent before a GET answer that
    /// already holds it changes nothing (see <see cref="TwinConfigurationParser"/>).
    /// </remarks>
    internal sealed class ModuleTwin
    {
        private readonly object _sync = new object();
        private TwinConfigurationParser _parser;
        private readonly AgentConfiguration _current = AgentConfiguration.Defaults();
        private readonly ConfigurationErrorList _errors;
        private readonly CollectionEngine _engine;
        private readonly OutboundQueue _queue;
        private readonly Logger _log;
        private long _lastVersion = -1;
#if ASC_DETECTIONS_ENABLED
        private EdgeDetector _detector;
        private DetectionSettings _detectionDefaults;
        private DetectionSettings _detections;
#endif

        // The configuration in force has not been reported yet: true at start, so that the
        // hub learns what a device without any twin configuration does.
        private bool _reportPending = true;

        /// <summary>Wires the twin to what it configures.</summary>
        /// <param name="engine">Takes every configuration applied.</param>
        /// <param name="queue">The offline cache whose budget follows maxLocalCacheSizeInBytes; null when the application sends the messages.</param>
        /// <param name="errors">Receives the configuration errors, for the ConfigurationError collector.</param>
        /// <param name="log">Where applied and refused documents are logged.</param>
        internal ModuleTwin(CollectionEngine engine, OutboundQueue queue, ConfigurationErrorList errors, Logger log)
        {
            _engine = engine;
            _queue = queue;
            _errors = errors;
            _log = log;
            _parser = new TwinConfigurationParser(_current);
        }

        /// <summary>
        /// Replaces the build-time configuration (what asc_port.config compiled in) and puts it
        /// in force, as if the module had been built with it; for a different cadence in tests
        /// without a separate build. Call before <see cref="SecurityModule.Start"/>.
        /// </summary>
        /// <param name="defaults">The base of a full twin and what a reset takes; copied.</param>
        internal void UseDefaults(AgentConfiguration defaults)
        {
            lock (_sync)
            {
                _parser = new TwinConfigurationParser(defaults);
#if ASC_DETECTIONS_ENABLED
                if (_detector != null)
                {
                    _parser.UseDetections(_detectionDefaults, _detections);
                }
#endif
                _current.CopyFrom(defaults);
                _engine.Configure(_current);
                _reportPending = true;
            }
        }

#if ASC_DETECTIONS_ENABLED
        /// <summary>
        /// Reads <c>nanoSecurity:DetectionConfiguration</c> as well, puts its rules in force in
        /// <paramref name="detector"/> and reports them; starts from asc_port.config's rules.
        /// </summary>
        internal void UseDetections(EdgeDetector detector)
        {
            lock (_sync)
            {
                _detector = detector;
                _detectionDefaults = DetectionSettings.Defaults();
                _detections = DetectionSettings.Defaults();
                _parser.UseDetections(_detectionDefaults, _detections);
                _detector.Configure(_detections);
                _reportPending = true;
            }
        }

#endif
        /// <summary>True while the configuration in force has not been reported.</summary>
        internal bool ReportPending
        {
            get
            {
                lock (_sync)
                {
                    return _reportPending;
                }
            }
        }

        /// <summary>The highest <c>$version</c> of the desired properties seen; -1 before any.</summary>
        internal long DesiredVersion
        {
            get
            {
                lock (_sync)
                {
                    return _lastVersion;
                }
            }
        }

        /// <summary>Reads a twin document and puts it in force when it is acceptable and not stale.</summary>
        /// <param name="utf8">Buffer holding the document; read in place, not kept.</param>
        /// <param name="offset">Index of its first byte.</param>
        /// <param name="count">Its length in bytes.</param>
        /// <param name="isFullTwin">True for the answer to a twin GET, false for a desired-properties PATCH.</param>
        /// <param name="changed">Whether the configuration in force changed.</param>
        /// <returns>What was done with it.</returns>
        internal TwinUpdateStatus Apply(byte[] utf8, int offset, int count, bool isFullTwin, out bool changed)
        {
            lock (_sync)
            {
                TwinUpdateStatus status = _parser.Apply(utf8, offset, count, isFullTwin, _lastVersion, _current, _errors);
                if (status != TwinUpdateStatus.Stale && _parser.Version > _lastVersion)
                {
                    _lastVersion = _parser.Version;
                }

                changed = status == TwinUpdateStatus.Applied && _parser.Changed;
                if (changed)
                {
                    _engine.Configure(_current);
#if ASC_DETECTIONS_ENABLED
                    if (_detector != null)
                    {
                        _detector.Configure(_detections);
                    }
#endif
                    if (_queue != null)
                    {
                        _queue.Budget = _current.MaxLocalCacheSizeInBytes;
                    }

                    _reportPending = true;
                }

                if (Logger.InformationEnabled)
                {
                    _log.Write(
                        status == TwinUpdateStatus.Rejected ? LogLevel.Warning : LogLevel.Information,
                        (isFullTwin ? "twin" : "desired patch") + " version " + _parser.Version.ToString() + ": " + StatusName(status, _parser.Changed));
                }

                return status;
            }
        }

        /// <summary>
        /// Records that a twin document arrived too large to be read: a TypeMismatch about the
        /// whole document, the configuration unchanged.
        /// </summary>
        /// <param name="bytes">Size of the packet that carried it.</param>
        /// <param name="limit">The most this device can receive.</param>
        internal void RefuseTooLarge(int bytes, int limit)
        {
            _errors.Add(new ConfigurationError(
                TwinConfigurationParser.DocumentErrorName,
                ConfigurationErrorType.TypeMismatch,
                TwinConfigurationParser.UnchangedConfiguration,
                "a twin document of " + bytes.ToString() + " bytes exceeds the " + limit.ToString()
                    + " bytes this device can receive (ASC_MAX_MESSAGE_SIZE + 1024)"));
            if (Logger.WarningEnabled)
            {
                _log.Write(LogLevel.Warning, "twin document of " + bytes.ToString() + " bytes skipped: too large");
            }
        }

        /// <summary>
        /// Writes the configuration in force as a reported-properties document and counts it as
        /// reported; call <see cref="ReportFailed"/> if it does not reach the hub.
        /// </summary>
        /// <param name="json">Cleared, then holds the document.</param>
        /// <returns>False when it did not fit in <paramref name="json"/>.</returns>
        internal bool TakeReport(JsonWriter json)
        {
            lock (_sync)
            {
                json.Clear();
                object detections = null;
#if ASC_DETECTIONS_ENABLED
                detections = _detections;
#endif
                if (!ReportedPropertiesWriter.Write(json, _current, detections))
                {
                    return false;
                }

                _reportPending = false;
                return true;
            }
        }

        /// <summary>The last report did not reach the hub: send it again.</summary>
        internal void ReportFailed()
        {
            lock (_sync)
            {
                _reportPending = true;
            }
        }

        /// <summary>Copies the configuration in force into <paramref name="target"/>.</summary>
        internal void CopyConfiguration(AgentConfiguration target)
        {
            lock (_sync)
            {
                target.CopyFrom(_current);
            }
        }

        private static string StatusName(TwinUpdateStatus status, bool changed)
        {
            switch (status)
            {
                case TwinUpdateStatus.Applied:
                    return changed ? "applied" : "applied, no change";
                case TwinUpdateStatus.Rejected:
                    return "rejected, configuration unchanged (see ConfigurationError)";
                default:
                    return "stale, ignored";
            }
        }
    }
}
