namespace NanoSecurity
{
    /// <summary>
    /// The value types of the twin's configuration properties, after the definitions of
    /// Microsoft's azureiotsecurity_schema_definitions.json.
    /// </summary>
    internal enum ConfigurationValueKind
    {
        /// <summary><c>TimeConfiguration</c>: an ISO 8601 duration string, held in seconds.</summary>
        Duration,

        /// <summary><c>IntegerConfiguration</c> of a size in bytes.</summary>
        ByteCount,

        /// <summary><c>EventPriorityConfiguration</c>: "High", "Low" or "Off".</summary>
        Priority,

        /// <summary><c>BooleanConfiguration</c>.</summary>
        Boolean,
    }
}
