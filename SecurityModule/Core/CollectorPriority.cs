namespace NanoSecurity
{
    /// <summary>
    /// Priority groups; each runs every ASC_{HIGH,MEDIUM,LOW}_PRIORITY_INTERVAL seconds.
    /// The values index the engine's schedule arrays.
    /// </summary>
    internal enum CollectorPriority
    {
        High = 0,
        Medium = 1,
        Low = 2,
    }
}
