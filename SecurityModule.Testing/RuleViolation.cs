namespace NanoSecurity.Testing
{
    /// <summary>
    /// A PUBLISH or SUBSCRIBE that broke IoT Hub's rules, for which <see cref="IotHubRulesBroker"/>
    /// closed the client's connection, as IoT Hub does.
    /// </summary>
    /// <param name="ClientId">The offending client.</param>
    /// <param name="Topic">The topic (PUBLISH) or topic filter (SUBSCRIBE).</param>
    /// <param name="Reason">Which rule, in words (e.g. "QoS 2 is not supported").</param>
    public sealed record RuleViolation(string ClientId, string Topic, string Reason)
    {
        /// <inheritdoc />
        public override string ToString() => $"'{ClientId}' disconnected for '{Topic}': {Reason}";
    }
}
