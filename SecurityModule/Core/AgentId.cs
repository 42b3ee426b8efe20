using System;

namespace NanoSecurity
{
    /// <summary>
    /// The message's AgentId: a GUID string, stable per device. Either the application
    /// gives one, or it is derived from the IoT Hub device id as a name-based UUID
    /// (RFC 9562 version 8 with SHA-256, as its appendix B.2 shows), so that reflashing
    /// the same device keeps the same id.
    /// </summary>
    internal static class AgentId
    {
        private const string Hex = "0123456789abcdef";

        // Our own namespace for name-based ids: a fixed random UUID.
        private static readonly byte[] Namespace =
        {
            0x6e, 0x61, 0x6e, 0x6f, 0x53, 0x65, 0x4c, 0x75, 0x9a, 0x1b, 0x3e, 0x5d, 0x77, 0x20, 0xc4, 0x19,
        };

        /// <summary>Returns the agent id in lowercase 8-4-4-4-12 form.</summary>
        /// <param name="given">An id the application gave, or null.</param>
        /// <param name="deviceId">The IoT Hub device id to derive it from, used when <paramref name="given"/> is null.</param>
        internal static string Resolve(string given, string deviceId)
        {
            if (given != null)
            {
                return Normalize(given);
            }

            if (deviceId == null || deviceId.Length == 0)
            {
                throw new ArgumentException();
            }

            return FromDeviceId(deviceId);
        }

        internal static string FromDeviceId(string deviceId)
        {
            var sha = new Sha256();
            sha.Append(Namespace, 0, Namespace.Length);
            foreach (char c in deviceId)
            {
                // IoT Hub device ids are 7-bit ASCII.
                if (c > 0x7F)
                {
                    throw new ArgumentException();
                }

                sha.Append((byte)c);
            }

            var hash = new byte[Sha256.HashSize];
            sha.Finish(hash, 0);
            hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            return Format(hash);
        }

        private static string Normalize(string id)
        {
            if (id.Length != 36)
            {
                throw new ArgumentException();
            }

            var chars = new char[36];
            for (int i = 0; i < 36; i++)
            {
                char c = id[i];
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? c != '-' : HexValue(c) < 0)
                {
                    throw new ArgumentException();
                }

                chars[i] = c >= 'A' && c <= 'F' ? (char)(c + ('a' - 'A')) : c;
            }

            return new string(chars);
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }

        private static string Format(byte[] bytes)
        {
            var chars = new char[36];
            int n = 0;
            for (int i = 0; i < 16; i++)
            {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                {
                    chars[n++] = '-';
                }

                chars[n++] = Hex[bytes[i] >> 4];
                chars[n++] = Hex[bytes[i] & 0x0F];
            }

            return new string(chars);
        }
    }
}
