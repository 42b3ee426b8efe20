using System;

namespace NanoSecurity
{
    /// <summary>
    /// The MQTT password for a symmetric key: an IoT Hub shared access signature.
    /// </summary>
    /// <remarks>
    /// Built exactly as azure-sdk-for-c's <c>az_iot_hub_client_sas.c</c> does (read in
    /// Azure/azure-sdk-for-c, <c>sdk/src/azure/iot/az_iot_hub_client_sas.c</c>):
    /// <c>az_iot_hub_client_sas_get_signature</c> signs
    /// <c>url_encode(host) "%2Fdevices%2F" url_encode(deviceId) ["%2Fmodules%2F" url_encode(moduleId)] "\n" expiry</c>,
    /// that is the URL-encoded resource URI, a line feed and the decimal expiry; and
    /// <c>az_iot_hub_client_sas_get_password</c> writes
    /// <c>"SharedAccessSignature sr=" encoded-uri "&amp;sig=" url_encode(base64(hmac)) "&amp;se=" expiry</c>,
    /// in that order, with <c>"&amp;skn=" keyName</c> only for a policy key (never for a device or
    /// module key). Its URL encoding (<c>az_span.c</c>) is <see cref="UrlEncoding"/>. The IoT Hub
    /// SAS documentation gives the same signature (Base64(HMAC-SHA256(Base64Decode(key),
    /// encoded-uri + "\n" + expiry))) and says skn is omitted for device keys;
    /// nanoFramework.Azure.Devices sends the same three fields in the same order.
    /// </remarks>
    internal static class SasToken
    {
        /// <summary>Builds the token.</summary>
        /// <param name="hostName">The hub's host name.</param>
        /// <param name="deviceId">The device id.</param>
        /// <param name="moduleId">The module id, or null or empty for the device itself.</param>
        /// <param name="key">The decoded symmetric key of that identity.</param>
        /// <param name="expiryUnixSeconds">When the token expires, in seconds since 1970-01-01 UTC; the hub closes the connection then.</param>
        /// <returns><c>SharedAccessSignature sr=…&amp;sig=…&amp;se=…</c>.</returns>
        internal static string Build(string hostName, string deviceId, string moduleId, byte[] key, long expiryUnixSeconds)
        {
            if (hostName == null || hostName.Length == 0 || deviceId == null || deviceId.Length == 0 || key == null || key.Length == 0)
            {
                throw new ArgumentException();
            }

            if (expiryUnixSeconds <= 0)
            {
                throw new ArgumentOutOfRangeException();
            }

            // Encoding the whole URI turns each '/' into %2F: the same text as encoding the ids
            // one by one between "%2Fdevices%2F" and "%2Fmodules%2F", as the C SDK does.
            string resource = UrlEncoding.Encode(IotHubIdentity.ResourceUri(hostName, deviceId, moduleId));
            string expiry = expiryUnixSeconds.ToString();
            string toSign = resource + "\n" + expiry;

            // After encoding the text is ASCII, so its UTF-8 bytes are its chars.
            var message = new byte[toSign.Length];
            for (int i = 0; i < message.Length; i++)
            {
                message[i] = (byte)toSign[i];
            }

            var signature = new byte[HmacSha256.HashSize];
            new HmacSha256(key).Compute(message, 0, message.Length, signature, 0);
            return "SharedAccessSignature sr=" + resource + "&sig=" + UrlEncoding.Encode(Convert.ToBase64String(signature)) + "&se=" + expiry;
        }
    }
}
