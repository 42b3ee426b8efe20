using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// IoT Hub's MQTT rules as pure functions, so that the broker only wires them to MQTTnet:
    /// CONNECT (client id, user name, SAS token), PUBLISH and SUBSCRIBE topics, twin requests.
    /// See security-messages-and-iothub-mqtt.md, section 4.
    /// </summary>
    internal static class IotHubRules
    {
        private const string SasPrefix = "SharedAccessSignature ";
        private const string TwinGetPrefix = "$iothub/twin/GET/";
        private const string TwinReportedPrefix = "$iothub/twin/PATCH/properties/reported/";

        /// <summary>Decides on a CONNECT.</summary>
        /// <param name="hostName">The hub name the broker plays.</param>
        /// <param name="clientId">Client id sent.</param>
        /// <param name="userName">User name sent.</param>
        /// <param name="password">Password sent (the SAS token).</param>
        /// <param name="findKey">The registry: the key of an identity, null when unknown.</param>
        /// <param name="now">The current time, for the token's expiry.</param>
        /// <returns>Accepted with "", or the refusal code and its reason.</returns>
        public static (ConnectReturnCode Code, string Reason) CheckConnect(
            string hostName, string? clientId, string? userName, string? password, Func<IotHubIdentity, byte[]?> findKey, DateTimeOffset now)
        {
            if (string.IsNullOrEmpty(clientId))
            {
                return (ConnectReturnCode.IdentifierRejected, "empty client id");
            }

            IotHubIdentity? identity = IotHubIdentity.FromClientId(clientId);
            if (identity == null)
            {
                return (ConnectReturnCode.NotAuthorized, $"client id '{clientId}' is neither '{{deviceId}}' nor '{{deviceId}}/{{moduleId}}'");
            }

            // User name: {host}/{deviceId}[/{moduleId}]/?api-version=...
            if (string.IsNullOrEmpty(userName))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, "no user name");
            }

            int query = userName.IndexOf("/?", StringComparison.Ordinal);
            if (query < 0)
            {
                return (ConnectReturnCode.BadUserNameOrPassword, $"user name '{userName}' has no '/?api-version=…'");
            }

            string[] path = userName.Substring(0, query).Split('/');
            if (path.Length < 2 || path.Length > 3 || Array.Exists(path, p => p.Length == 0))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, $"user name '{userName}' is not '{{host}}/{{deviceId}}[/{{moduleId}}]/?api-version=…'");
            }

            Dictionary<string, string>? parameters = ParseQuery(userName.Substring(query + 2));
            if (parameters == null || !parameters.TryGetValue("api-version", out string? apiVersion) || apiVersion.Length == 0)
            {
                return (ConnectReturnCode.BadUserNameOrPassword, $"user name '{userName}' has no api-version");
            }

            if (!string.Equals(path[0], hostName, StringComparison.OrdinalIgnoreCase))
            {
                return (ConnectReturnCode.NotAuthorized, $"user name names host '{path[0]}', this hub is '{hostName}'");
            }

            var named = new IotHubIdentity(path[1], path.Length == 3 ? path[2] : null);
            if (named != identity)
            {
                return (ConnectReturnCode.NotAuthorized, $"user name names '{named.ClientId}' but the client id is '{clientId}'");
            }

            byte[]? key = findKey(identity);
            if (key == null)
            {
                return (ConnectReturnCode.NotAuthorized, $"identity '{clientId}' is not registered");
            }

            // Password: SharedAccessSignature sr={URL-encoded resource}&sig={URL-encoded base64}&se={expiry}
            if (string.IsNullOrEmpty(password))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, "no password (SAS token)");
            }

            if (!password.StartsWith(SasPrefix, StringComparison.Ordinal))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, "password does not start with 'SharedAccessSignature '");
            }

            Dictionary<string, string>? fields = ParseQuery(password.Substring(SasPrefix.Length));
            if (fields == null
                || !fields.TryGetValue("sr", out string? resource)
                || !fields.TryGetValue("sig", out string? signatureText)
                || !fields.TryGetValue("se", out string? expiryText))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, "SAS token lacks sr, sig or se, or repeats a field");
            }

            if (!long.TryParse(expiryText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long expiry))
            {
                return (ConnectReturnCode.BadUserNameOrPassword, $"SAS expiry se='{expiryText}' is not a number of seconds");
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(Uri.UnescapeDataString(signatureText));
            }
            catch (FormatException)
            {
                return (ConnectReturnCode.BadUserNameOrPassword, "SAS signature is not base64");
            }

            if (fields.ContainsKey("skn"))
            {
                return (ConnectReturnCode.NotAuthorized, "SAS token names a shared access policy (skn); only device and module keys are registered");
            }

            string expectedResource = hostName + "/" + identity.ResourcePath;
            string decodedResource = Uri.UnescapeDataString(resource);
            if (!string.Equals(decodedResource, expectedResource, StringComparison.OrdinalIgnoreCase))
            {
                return (ConnectReturnCode.NotAuthorized, $"SAS resource '{decodedResource}' is not '{expectedResource}'");
            }

            if (expiry <= now.ToUnixTimeSeconds())
            {
                return (ConnectReturnCode.NotAuthorized, $"SAS token expired at {DateTimeOffset.FromUnixTimeSeconds(expiry):u}");
            }

            // Signed is the resource exactly as the client encoded it in sr, a newline, and se.
            byte[] expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(resource + "\n" + expiryText));
            if (!CryptographicOperations.FixedTimeEquals(expected, signature))
            {
                return (ConnectReturnCode.NotAuthorized, $"SAS signature does not match the key of '{clientId}'");
            }

            return (ConnectReturnCode.Accepted, string.Empty);
        }

        /// <summary>Checks a device's PUBLISH; null when allowed.</summary>
        public static string? CheckPublish(IotHubIdentity identity, string topic, int qualityOfService, bool retain, out bool isTelemetry)
        {
            isTelemetry = topic.StartsWith(identity.ResourcePath + "/messages/events/", StringComparison.Ordinal);
            if (qualityOfService > 1)
            {
                return $"QoS {qualityOfService} is not supported (IoT Hub closes the connection)";
            }

            if (retain)
            {
                // Stricter than IoT Hub, which only adds an mqtt-retain property: the agent must never set it.
                return "RETAIN is not allowed";
            }

            if (isTelemetry
                || topic.StartsWith(TwinGetPrefix, StringComparison.Ordinal)
                || topic.StartsWith(TwinReportedPrefix, StringComparison.Ordinal)
                || topic.StartsWith("$iothub/methods/res/", StringComparison.Ordinal))
            {
                return null;
            }

            return $"topic is not {identity.ResourcePath}/messages/events/…, a twin request or a method response";
        }

        /// <summary>Checks a device's SUBSCRIBE; null when allowed.</summary>
        public static string? CheckSubscribe(IotHubIdentity identity, string topicFilter)
        {
            if (topicFilter == "$iothub/twin/res/#"
                || topicFilter == "$iothub/twin/PATCH/properties/desired/#"
                || topicFilter == "$iothub/methods/POST/#"
                || (identity.ModuleId == null
                    && (topicFilter == "devices/" + identity.DeviceId + "/messages/devicebound/#"
                        || topicFilter == "devices/+/messages/devicebound/#")))
            {
                return null;
            }

            return "topic filter is not one IoT Hub offers to this identity";
        }

        /// <summary>Reads an accepted twin request topic; null for a topic that is no twin request.</summary>
        /// <param name="topic">e.g. "$iothub/twin/GET/?$rid=1" or "$iothub/twin/PATCH/properties/reported/?$rid=2".</param>
        /// <returns><see cref="TwinRequest.Get"/> or <see cref="TwinRequest.Patch"/>, and the "$rid" parameter as sent ("" when absent).</returns>
        public static (string Kind, string Rid)? ParseTwinRequest(string topic)
        {
            string kind;
            if (topic.StartsWith(TwinGetPrefix, StringComparison.Ordinal))
            {
                kind = TwinRequest.Get;
            }
            else if (topic.StartsWith(TwinReportedPrefix, StringComparison.Ordinal))
            {
                kind = TwinRequest.Patch;
            }
            else
            {
                return null;
            }

            // The SDKs echo the rid back as they sent it, so it is not percent-decoded.
            int query = topic.IndexOf('?');
            Dictionary<string, string>? parameters = query < 0 ? null : ParseQuery(topic.Substring(query + 1));
            return (kind, parameters != null && parameters.TryGetValue("$rid", out string? rid) ? rid : string.Empty);
        }

        /// <summary>
        /// Checks twin properties (a reported PATCH, or desired properties set by the cloud side): a JSON
        /// object whose property names IoT Hub accepts. Null when acceptable.
        /// </summary>
        /// <param name="json">The JSON text.</param>
        /// <param name="properties">The parsed object when acceptable; otherwise null.</param>
        /// <returns>Null, or why IoT Hub would answer 400.</returns>
        public static string? CheckTwinProperties(string json, out JsonObject? properties)
        {
            properties = null;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
            }
            catch (JsonException e)
            {
                return "not valid JSON: " + e.Message;
            }

            if (node is not JsonObject root)
            {
                return "not a JSON object";
            }

            string? badName = FindBadPropertyName(root);
            if (badName != null)
            {
                return $"property name '{badName}' holds '.', '$', a space or a control character";
            }

            properties = root;
            return null;
        }

        /// <summary>IoT Hub refuses twin property names with '.', '$', ' ' or a control character, at any depth.</summary>
        private static string? FindBadPropertyName(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                foreach ((string name, JsonNode? value) in obj)
                {
                    foreach (char c in name)
                    {
                        if (c == '.' || c == '$' || c == ' ' || char.IsControl(c))
                        {
                            return name;
                        }
                    }

                    string? inner = FindBadPropertyName(value);
                    if (inner != null)
                    {
                        return inner;
                    }
                }
            }
            else if (node is JsonArray array)
            {
                foreach (JsonNode? item in array)
                {
                    string? inner = FindBadPropertyName(item);
                    if (inner != null)
                    {
                        return inner;
                    }
                }
            }

            return null;
        }

        private static Dictionary<string, string>? ParseQuery(string query)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in query.Split('&'))
            {
                if (pair.Length == 0)
                {
                    continue;
                }

                int equals = pair.IndexOf('=');
                string name = equals < 0 ? pair : pair.Substring(0, equals);
                string value = equals < 0 ? string.Empty : pair.Substring(equals + 1);
                if (!result.TryAdd(name, value))
                {
                    return null;
                }
            }

            return result;
        }
    }
}
