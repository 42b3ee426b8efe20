namespace NanoSecurity.Testing
{
    /// <summary>A PUBLISH that <see cref="IotHubRulesBroker"/> accepted.</summary>
    /// <param name="ClientId">The sender: "{deviceId}" or "{deviceId}/{moduleId}".</param>
    /// <param name="Topic">The topic, property bag included.</param>
    /// <param name="Payload">The payload bytes (a copy).</param>
    /// <param name="QualityOfService">0 or 1.</param>
    /// <param name="Retain">The RETAIN flag (always false: retained publishes are refused).</param>
    /// <param name="IsTelemetry">True for device-to-cloud messages (devices/…/messages/events/…); false for twin and method publishes.</param>
    public sealed record AcceptedPublish(string ClientId, string Topic, byte[] Payload, int QualityOfService, bool Retain, bool IsTelemetry)
    {
        /// <summary>The payload as UTF-8 text.</summary>
        public string PayloadText => System.Text.Encoding.UTF8.GetString(Payload);

        /// <inheritdoc />
        public override string ToString() => $"'{ClientId}' → {Topic} ({Payload.Length} bytes, QoS {QualityOfService})";
    }
}
