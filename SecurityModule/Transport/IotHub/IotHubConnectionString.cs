using System;

namespace NanoSecurity
{
    /// <summary>
    /// An IoT Hub device or module connection string with a symmetric key, as the Azure portal
    /// shows it: <c>HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…</c>.
    /// </summary>
    /// <remarks>
    /// Parts may come in any order, a trailing <c>;</c> is allowed, names are case-sensitive as in
    /// the Azure SDKs, and a value runs from the first <c>=</c> of its part to the end (so the
    /// base64 padding of the key survives). Anything else is refused with an
    /// <see cref="ArgumentException"/> naming the part: X.509 (<c>x509=true</c>), a gateway
    /// (<c>GatewayHostName</c>) and shared access policies (<c>SharedAccessKeyName</c>) are not
    /// supported. Neither <see cref="ToString"/> nor any error message shows the key.
    /// </remarks>
    public sealed class IotHubConnectionString
    {
        private const string HostNamePart = "HostName";
        private const string DeviceIdPart = "DeviceId";
        private const string ModuleIdPart = "ModuleId";
        private const string SharedAccessKeyPart = "SharedAccessKey";
        private const int MaxShownNameLength = 24;

        private readonly string _hostName;
        private readonly string _deviceId;
        private readonly string _moduleId;
        private readonly string _sharedAccessKey;
        private readonly byte[] _key;

        private IotHubConnectionString(string hostName, string deviceId, string moduleId, string sharedAccessKey, byte[] key)
        {
            _hostName = hostName;
            _deviceId = deviceId;
            _moduleId = moduleId;
            _sharedAccessKey = sharedAccessKey;
            _key = key;
        }

        /// <summary>The hub's host name, e.g. <c>contoso.azure-devices.net</c>.</summary>
        public string HostName
        {
            get { return _hostName; }
        }

        /// <summary>The device identity.</summary>
        public string DeviceId
        {
            get { return _deviceId; }
        }

        /// <summary>The module identity, or null when the string names a device.</summary>
        public string ModuleId
        {
            get { return _moduleId; }
        }

        /// <summary>The symmetric key, base64, as written in the connection string.</summary>
        public string SharedAccessKey
        {
            get { return _sharedAccessKey; }
        }

        /// <summary>The key decoded, for the SAS signature. Shared: callers must not modify it.</summary>
        internal byte[] Key
        {
            get { return _key; }
        }

        /// <summary>Reads a connection string.</summary>
        /// <param name="connectionString">The connection string; surrounding white space is ignored.</param>
        /// <returns>Its parts, checked.</returns>
        /// <exception cref="ArgumentException">A part is missing, repeated, empty, unknown or malformed; the message names it.</exception>
        public static IotHubConnectionString Parse(string connectionString)
        {
            if (connectionString == null)
            {
                throw new ArgumentNullException("connectionString");
            }

            string[] parts = connectionString.Trim().Split(';');
            if (parts.Length == 1 && parts[0].Length == 0)
            {
                throw new ArgumentException("connection string is empty");
            }

            string hostName = null;
            string deviceId = null;
            string moduleId = null;
            string sharedAccessKey = null;
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i];
                if (part.Length == 0)
                {
                    // Strings copied from the portal or a script often end with ';'.
                    if (i == parts.Length - 1)
                    {
                        continue;
                    }

                    throw new ArgumentException("connection string part " + (i + 1) + " is empty");
                }

                int equals = part.IndexOf('=');
                if (equals < 0)
                {
                    // Named by position: the text itself might be (part of) the key.
                    throw new ArgumentException("connection string part " + (i + 1) + " has no '='");
                }

                string name = part.Substring(0, equals);
                string value = part.Substring(equals + 1);
                if (name == HostNamePart)
                {
                    hostName = Take(hostName, name, value);
                }
                else if (name == DeviceIdPart)
                {
                    deviceId = Take(deviceId, name, value);
                }
                else if (name == ModuleIdPart)
                {
                    moduleId = Take(moduleId, name, value);
                }
                else if (name == SharedAccessKeyPart)
                {
                    sharedAccessKey = Take(sharedAccessKey, name, value);
                }
                else if (IsPlausibleName(name))
                {
                    throw new ArgumentException("unknown part '" + name + "'");
                }
                else
                {
                    // A key pasted without its name has '=' padding: its text must not reach a log.
                    throw new ArgumentException("connection string part " + (i + 1) + " is unknown");
                }
            }

            RequirePart(hostName, HostNamePart);
            RequirePart(deviceId, DeviceIdPart);
            RequirePart(sharedAccessKey, SharedAccessKeyPart);

            // Checked here because Convert.FromBase64String's failure (FormatException on .NET,
            // whatever the native code throws on nanoFramework) would not be an ArgumentException.
            if (!IsBase64(sharedAccessKey))
            {
                throw new ArgumentException("SharedAccessKey is not valid base64");
            }

            return new IotHubConnectionString(hostName, deviceId, moduleId, sharedAccessKey, Convert.FromBase64String(sharedAccessKey));
        }

        /// <summary>The connection string with the key masked, for logs.</summary>
        /// <returns><c>HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=***</c>.</returns>
        public override string ToString()
        {
            string identity = HostNamePart + "=" + _hostName + ";" + DeviceIdPart + "=" + _deviceId + ";";
            if (_moduleId != null)
            {
                identity += ModuleIdPart + "=" + _moduleId + ";";
            }

            return identity + SharedAccessKeyPart + "=***";
        }

        private static string Take(string current, string name, string value)
        {
            if (current != null)
            {
                throw new ArgumentException("connection string has " + name + " twice");
            }

            if (value.Length == 0)
            {
                throw new ArgumentException(name + " is empty");
            }

            return value;
        }

        private static void RequirePart(string value, string name)
        {
            if (value == null)
            {
                throw new ArgumentException("connection string has no " + name);
            }
        }

        /// <summary>
        /// Whether an unknown part's name may be shown: letters only, no longer than Azure's
        /// longest (SharedAccessSignature); a base64 key is longer or has digits, '+' or '/'.
        /// </summary>
        private static bool IsPlausibleName(string name)
        {
            if (name.Length == 0 || name.Length > MaxShownNameLength)
            {
                return false;
            }

            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Standard base64 (RFC 4648 §4) with its padding, nothing else.</summary>
        private static bool IsBase64(string text)
        {
            int length = text.Length;
            if (length % 4 != 0)
            {
                return false;
            }

            int data = length;
            if (text[length - 1] == '=')
            {
                data--;
                if (text[length - 2] == '=')
                {
                    data--;
                }
            }

            for (int i = 0; i < data; i++)
            {
                char c = text[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
