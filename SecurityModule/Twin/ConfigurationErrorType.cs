namespace NanoSecurity
{
    /// <summary>The <c>ErrorType</c> of a ConfigurationError payload item, as the schema names them.</summary>
    internal enum ConfigurationErrorType
    {
        /// <summary>A value of the wrong type or out of range, or a document that cannot be read.</summary>
        TypeMismatch,

        /// <summary>A value that works but is not a good choice.</summary>
        NotOptimal,

        /// <summary>Values that contradict each other or the limits compiled in.</summary>
        Conflict,
    }
}
