using System;

namespace Esp32Firmware
{
    /// <summary>
    /// "HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…", split: the device id for the
    /// module's AgentId, and every part for DeviceClient on the bring-your-own-connection path
    /// (in its own session the module is given the whole string).
    /// </summary>
    internal sealed class IoTHubConnectionString
    {
        internal string HostName { get; private set; }

        internal string DeviceId { get; private set; }

        internal string ModuleId { get; private set; }

        internal string SharedAccessKey { get; private set; }

        internal static IoTHubConnectionString Parse(string text)
        {
            var result = new IoTHubConnectionString();
            string[] parts = text.Split(';');
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i].Trim();

                // Split at the first '=' only: a base64 key ends in '='.
                int equals = part.IndexOf('=');
                if (equals <= 0)
                {
                    continue;
                }

                string key = part.Substring(0, equals);
                string value = part.Substring(equals + 1);
                switch (key)
                {
                    case "HostName":
                        result.HostName = value;
                        break;
                    case "DeviceId":
                        result.DeviceId = value;
                        break;
                    case "ModuleId":
                        result.ModuleId = value;
                        break;
                    case "SharedAccessKey":
                        result.SharedAccessKey = value;
                        break;
                }
            }

            if (result.HostName == null || result.DeviceId == null || result.SharedAccessKey == null)
            {
                throw new ArgumentException();
            }

            return result;
        }
    }
}
