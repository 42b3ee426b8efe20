namespace NanoSecurity.Testing
{
    /// <summary>A device or module identity of the hub: what a client id names.</summary>
    /// <param name="DeviceId">The device id.</param>
    /// <param name="ModuleId">The module id; null for the device itself.</param>
    internal sealed record IotHubIdentity(string DeviceId, string? ModuleId)
    {
        /// <summary>"{deviceId}" or "{deviceId}/{moduleId}": the client id IoT Hub expects.</summary>
        public string ClientId => ModuleId == null ? DeviceId : DeviceId + "/" + ModuleId;

        /// <summary>"devices/{d}" or "devices/{d}/modules/{m}": the topic and SAS resource path.</summary>
        public string ResourcePath => ModuleId == null ? "devices/" + DeviceId : "devices/" + DeviceId + "/modules/" + ModuleId;

        /// <summary>Reads "{deviceId}" or "{deviceId}/{moduleId}"; null when it is neither.</summary>
        public static IotHubIdentity? FromClientId(string? clientId)
        {
            if (string.IsNullOrEmpty(clientId))
            {
                return null;
            }

            string[] parts = clientId.Split('/');
            if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 2 && parts[1].Length == 0))
            {
                return null;
            }

            return new IotHubIdentity(parts[0], parts.Length == 2 ? parts[1] : null);
        }
    }
}
