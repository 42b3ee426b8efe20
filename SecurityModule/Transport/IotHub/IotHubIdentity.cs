using System;

namespace NanoSecurity
{
    /// <summary>
    /// The strings an IoT Hub MQTT connection is made of, for a device or a module identity:
    /// CONNECT client id and user name, the SAS resource URI, and the topic security messages are
    /// published to. Ids go in as they are, without encoding, as azure-sdk-for-c does.
    /// </summary>
    internal static class IotHubIdentity
    {
        /// <summary>
        /// The MQTT API version in the user name. The one the IoT Hub MQTT documentation and
        /// nanoFramework.Azure.Devices use; the hub may misbehave without one.
        /// </summary>
        internal const string ApiVersion = "2021-04-12";

        /// <summary>CONNECT client id: <c>{deviceId}</c> or <c>{deviceId}/{moduleId}</c>.</summary>
        internal static string ClientId(IotHubConnectionString connection)
        {
            Check(connection);
            return connection.ModuleId == null ? connection.DeviceId : connection.DeviceId + "/" + connection.ModuleId;
        }

        /// <summary>CONNECT user name: <c>{host}/{deviceId}[/{moduleId}]/?api-version=…</c>.</summary>
        internal static string UserName(IotHubConnectionString connection)
        {
            Check(connection);
            return connection.HostName + "/" + ClientId(connection) + "/?api-version=" + ApiVersion;
        }

        /// <summary>The resource the SAS token grants: <c>{host}/devices/{deviceId}[/modules/{moduleId}]</c>, not encoded.</summary>
        internal static string ResourceUri(IotHubConnectionString connection)
        {
            Check(connection);
            return ResourceUri(connection.HostName, connection.DeviceId, connection.ModuleId);
        }

        /// <summary>The resource URI of one identity, not encoded.</summary>
        /// <param name="hostName">The hub's host name.</param>
        /// <param name="deviceId">The device id.</param>
        /// <param name="moduleId">The module id, or null or empty for the device itself.</param>
        internal static string ResourceUri(string hostName, string deviceId, string moduleId)
        {
            string device = hostName + "/devices/" + deviceId;
            return moduleId == null || moduleId.Length == 0 ? device : device + "/modules/" + moduleId;
        }

        /// <summary>
        /// Where security messages are published (QoS 1):
        /// <c>devices/{deviceId}[/modules/{moduleId}]/messages/events/</c> and the security message properties.
        /// </summary>
        internal static string TelemetryTopic(IotHubConnectionString connection)
        {
            Check(connection);
            string identity = connection.ModuleId == null
                ? "devices/" + connection.DeviceId
                : "devices/" + connection.DeviceId + "/modules/" + connection.ModuleId;
            return identity + "/messages/events/" + NanoSecurity.SecurityMessageProperties.MqttPropertyBag;
        }

        private static void Check(IotHubConnectionString connection)
        {
            if (connection == null)
            {
                throw new ArgumentNullException();
            }
        }
    }
}
