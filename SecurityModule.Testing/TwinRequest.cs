namespace NanoSecurity.Testing
{
    /// <summary>A twin request a client published to <see cref="IotHubRulesBroker"/>, with the status the broker answered.</summary>
    /// <param name="ClientId">The requester: "{deviceId}" or "{deviceId}/{moduleId}".</param>
    /// <param name="Kind"><see cref="Get"/> (the whole twin) or <see cref="Patch"/> (reported properties).</param>
    /// <param name="Rid">The request id, the topic's "$rid" parameter; "" when the topic has none.</param>
    /// <param name="Status">The answer: 200 (GET served), 204 (PATCH applied), 400 (PATCH not an acceptable JSON object), 429 (throttled).</param>
    /// <param name="Payload">The request's payload as UTF-8 text ("" for a GET, which has none).</param>
    public sealed record TwinRequest(string ClientId, string Kind, string Rid, int Status, string Payload)
    {
        /// <summary>The <see cref="Kind"/> of a GET on "$iothub/twin/GET/?$rid=…".</summary>
        public const string Get = "GET";

        /// <summary>The <see cref="Kind"/> of a PATCH on "$iothub/twin/PATCH/properties/reported/?$rid=…".</summary>
        public const string Patch = "PATCH";

        /// <inheritdoc />
        public override string ToString() => $"'{ClientId}' {Kind} $rid={Rid} → {Status}" + (Payload.Length == 0 ? string.Empty : " " + Payload);
    }
}
