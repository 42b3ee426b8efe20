namespace NanoSecurity
{
    /// <summary>
    /// ConfigurationError: when the module twin raised configuration errors since the last
    /// collection, one Triggered event with one payload item per error, oldest first. Errors
    /// that found the list full are counted in the first item's ExtraDetails
    /// (<c>DroppedConfigurationErrors</c>).
    /// </summary>
    internal sealed class ConfigurationErrorCollector : Collector
    {
        private readonly ConfigurationErrorList _pending;

        // The errors being written: taken out of the shared list at once, so that the twin's
        // thread is never held up by a write and an error added meanwhile waits for the next
        // collection instead of being lost or written twice.
        private readonly ConfigurationErrorList _taken;

        /// <summary>Creates the collector.</summary>
        /// <param name="pending">The list the twin parser records into.</param>
        internal ConfigurationErrorCollector(ConfigurationErrorList pending)
        {
            _pending = pending;
            _taken = new ConfigurationErrorList(pending.Capacity);
        }

        internal override string Name => "ConfigurationError";

        /// <summary>With the high priority group, so that an error is queued at the next collection.</summary>
        internal override CollectorPriority Priority => CollectorPriority.High;

        internal override SecurityEventKind Kind => SecurityEventKind.ConfigurationError;

        internal override void Collect(SecurityMessageWriter writer)
        {
            _pending.MoveTo(_taken);
            int count = _taken.Count;
            if (count == 0)
            {
                return;
            }

            writer.BeginEvent(SecurityEventKind.ConfigurationError);
            for (int i = 0; i < count; i++)
            {
                ConfigurationError error = _taken[i];
                int dropped = i == 0 ? _taken.Dropped : 0;
                do
                {
                    writer.BeginItem();
                    WriteItem(writer.Json, error, dropped);
                }
                while (!writer.EndItem());
            }

            writer.EndEvent();
            _taken.Clear();
        }

        private static void WriteItem(JsonWriter json, ConfigurationError error, int dropped)
        {
            json.WriteRaw("\"ConfigurationName\":");
            json.WriteString(error.ConfigurationName);
            json.WriteRaw(",\"ErrorType\":");
            json.WriteRaw(ErrorTypeName(error.ErrorType));
            json.WriteRaw(",\"UsedConfiguration\":");
            json.WriteString(error.UsedConfiguration);
            json.WriteRaw(",\"Message\":");
            json.WriteString(error.Message);
            if (dropped > 0)
            {
                json.WriteRaw(",\"ExtraDetails\":{\"DroppedConfigurationErrors\":");
                json.WriteQuotedUInt64((ulong)dropped);
                json.WriteByte((byte)'}');
            }
        }

        private static string ErrorTypeName(ConfigurationErrorType type)
        {
            switch (type)
            {
                case ConfigurationErrorType.TypeMismatch:
                    return "\"TypeMismatch\"";
                case ConfigurationErrorType.NotOptimal:
                    return "\"NotOptimal\"";
                default:
                    return "\"Conflict\"";
            }
        }
    }
}
