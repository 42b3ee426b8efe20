namespace NanoSecurity
{
    /// <summary>
    /// One payload item of a ConfigurationError security event
    /// (messageOperationalEventConfigurationError_v1_0.json): which setting, what kind of error,
    /// the value the module uses instead, and a message for people.
    /// </summary>
    internal sealed class ConfigurationError
    {
        /// <summary>Creates the error.</summary>
        /// <param name="configurationName">The twin property, or <c>TwinConfiguration</c> for the whole document.</param>
        /// <param name="errorType">TypeMismatch, NotOptimal or Conflict.</param>
        /// <param name="usedConfiguration">The value in force, as the twin would write it.</param>
        /// <param name="message">What is wrong.</param>
        internal ConfigurationError(string configurationName, ConfigurationErrorType errorType, string usedConfiguration, string message)
        {
            ConfigurationName = configurationName;
            ErrorType = errorType;
            UsedConfiguration = usedConfiguration;
            Message = message;
        }

        /// <summary>The twin property, or <c>TwinConfiguration</c> for the whole document.</summary>
        internal string ConfigurationName { get; }

        /// <summary>TypeMismatch, NotOptimal or Conflict.</summary>
        internal ConfigurationErrorType ErrorType { get; }

        /// <summary>The value in force after the document was handled, as the twin would write it.</summary>
        internal string UsedConfiguration { get; }

        /// <summary>What is wrong, for people.</summary>
        internal string Message { get; }
    }
}
