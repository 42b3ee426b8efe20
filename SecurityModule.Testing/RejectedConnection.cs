namespace NanoSecurity.Testing
{
    /// <summary>A CONNECT that <see cref="IotHubRulesBroker"/> refused.</summary>
    /// <param name="ClientId">The client id the client sent.</param>
    /// <param name="UserName">The user name it sent; null when none.</param>
    /// <param name="ReturnCode">The CONNACK return code it got.</param>
    /// <param name="Reason">Why, in words (e.g. "SAS signature does not match the key of 'dev1'").</param>
    public sealed record RejectedConnection(string ClientId, string? UserName, ConnectReturnCode ReturnCode, string Reason)
    {
        /// <inheritdoc />
        public override string ToString() => $"'{ClientId}' refused with {(int)ReturnCode} {ReturnCode}: {Reason}";
    }
}
