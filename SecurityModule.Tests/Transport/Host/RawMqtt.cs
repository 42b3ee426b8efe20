using System.Diagnostics;
using System.Text;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>Hand-encoded MQTT 3.1.1 packets and a blocking reader, to talk to a broker through an INetworkChannel.</summary>
    internal static class RawMqtt
    {
        /// <summary>PINGREQ: type 12, no payload.</summary>
        public static readonly byte[] PingRequest = { 0xC0, 0x00 };

        /// <summary>PINGRESP: type 13, no payload.</summary>
        public static readonly byte[] PingResponse = { 0xD0, 0x00 };

        /// <summary>DISCONNECT: type 14, no payload.</summary>
        public static readonly byte[] Disconnect = { 0xE0, 0x00 };

        /// <summary>CONNECT with clean session, the given keep-alive, and optional user name and password.</summary>
        public static byte[] Connect(string clientId, ushort keepAliveSeconds, string userName = null, string password = null)
        {
            var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04 };
            byte flags = 0x02; // clean session
            if (userName != null)
            {
                flags |= 0x80;
            }

            if (password != null)
            {
                flags |= 0x40;
            }

            body.Add(flags);
            body.Add((byte)(keepAliveSeconds >> 8));
            body.Add((byte)keepAliveSeconds);
            AddString(body, clientId);
            if (userName != null)
            {
                AddString(body, userName);
            }

            if (password != null)
            {
                AddString(body, password);
            }

            var packet = new List<byte> { 0x10 };
            int length = body.Count;
            do
            {
                byte digit = (byte)(length % 128);
                length /= 128;
                packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
            }
            while (length > 0);
            packet.AddRange(body);
            return packet.ToArray();
        }

        /// <summary>Reads exactly <paramref name="count"/> bytes, polling with short timeouts, within <paramref name="totalMilliseconds"/>.</summary>
        public static byte[] ReadExactly(INetworkChannel channel, int count, int totalMilliseconds = 5000)
        {
            var result = new byte[count];
            int filled = 0;
            var clock = Stopwatch.StartNew();
            while (filled < count)
            {
                if (clock.ElapsedMilliseconds > totalMilliseconds)
                {
                    throw new TimeoutException($"Read {filled} of {count} bytes in {totalMilliseconds} ms: {Convert.ToHexString(result, 0, filled)}");
                }

                filled += channel.Read(result, filled, count - filled, 200);
            }

            return result;
        }

        private static void AddString(List<byte> body, string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }
    }
}
