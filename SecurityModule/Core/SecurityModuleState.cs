namespace NanoSecurity
{
    /// <summary>
    /// State of the module, as the ThreadX module's state machine.
    /// </summary>
    public enum SecurityModuleState
    {
        /// <summary>Not started.</summary>
        NotInitialized = 0,

        /// <summary>Collecting; no link to the hub yet, or no valid UTC time yet.</summary>
        Pending = 1,

        /// <summary>Collecting, and the link to the hub is up.</summary>
        Active = 2,

        /// <summary>The link was down for longer than ASC_SECURITY_MODULE_PENDING_TIME: nothing is collected until it is back.</summary>
        Suspended = 3,
    }
}
