using System.Globalization;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>Hex literals for expected packets, and small readers of written ones.</summary>
    internal static class Bytes
    {
        /// <summary>"30 07 00 03" → bytes; spaces are ignored.</summary>
        internal static byte[] Hex(string hex)
        {
            string digits = hex.Replace(" ", string.Empty);
            var bytes = new byte[digits.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = byte.Parse(digits.AsSpan(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }

            return bytes;
        }

        internal static string ToHex(byte[] bytes, int offset, int count) => Convert.ToHexString(bytes, offset, count);

        internal static string ToHex(byte[] bytes) => Convert.ToHexString(bytes);

        /// <summary>Index of the variable header: after the first byte and the remaining length.</summary>
        internal static int BodyOffset(byte[] packet)
        {
            int i = 1;
            while ((packet[i] & 0x80) != 0)
            {
                i++;
            }

            return i + 1;
        }

        /// <summary>The packet identifier of a written QoS 1 PUBLISH.</summary>
        internal static ushort PublishPacketId(byte[] packet)
        {
            int body = BodyOffset(packet);
            int id = body + 2 + ((packet[body] << 8) | packet[body + 1]);
            return (ushort)((packet[id] << 8) | packet[id + 1]);
        }

        internal static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
