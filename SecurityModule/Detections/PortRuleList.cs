#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// The expected listening sockets: a fixed-capacity set of (protocol, port), written
    /// <c>tcp/80</c> or <c>udp/5353</c>.
    /// </summary>
    internal sealed class PortRuleList
    {
        private readonly TransportProtocol[] _protocols;
        private readonly ushort[] _ports;
        private int _count;

        internal PortRuleList(int capacity)
        {
            _protocols = new TransportProtocol[capacity];
            _ports = new ushort[capacity];
        }

        internal int Capacity => _ports.Length;

        internal int Count => _count;

        internal void Clear()
        {
            _count = 0;
        }

        /// <summary>Appends a rule; false when the list is full.</summary>
        internal bool Add(TransportProtocol protocol, ushort port)
        {
            if (_count == _ports.Length)
            {
                return false;
            }

            _protocols[_count] = protocol;
            _ports[_count] = port;
            _count++;
            return true;
        }

        internal void CopyFrom(PortRuleList other)
        {
            _count = other._count < Capacity ? other._count : Capacity;
            System.Array.Copy(other._protocols, _protocols, _count);
            System.Array.Copy(other._ports, _ports, _count);
        }

        internal bool SameAs(PortRuleList other)
        {
            if (other._count != _count)
            {
                return false;
            }

            for (int i = 0; i < _count; i++)
            {
                if (_protocols[i] != other._protocols[i] || _ports[i] != other._ports[i])
                {
                    return false;
                }
            }

            return true;
        }

        internal bool Contains(TransportProtocol protocol, ushort port)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_ports[i] == port && _protocols[i] == protocol)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Text of rule <paramref name="index"/>, e.g. <c>tcp/80</c>.</summary>
        internal string TextOf(int index)
        {
            return Format(_protocols[index], _ports[index]);
        }

        internal static string Format(TransportProtocol protocol, ushort port)
        {
            return (protocol == TransportProtocol.Udp ? "udp/" : "tcp/") + port.ToString();
        }

        /// <summary>Parses <c>tcp/PORT</c> or <c>udp/PORT</c> (any case), PORT 0..65535.</summary>
        /// <returns>Null on success; otherwise a sentence naming the text.</returns>
        internal static string TryParse(string text, out TransportProtocol protocol, out ushort port)
        {
            protocol = TransportProtocol.Tcp;
            port = 0;
            if (text == null)
            {
                return "a port rule is required, found null";
            }

            if (text.Length > 16)
            {
                return "a port rule is tcp/PORT or udp/PORT, at most 16 chars, found " + text.Length.ToString();
            }

            char[] c = text.ToCharArray();
            if (c.Length < 5 || c[3] != '/')
            {
                return "\"" + text + "\" is not tcp/PORT or udp/PORT";
            }

            string name = new string(c, 0, 3).ToLower();
            if (name == "udp")
            {
                protocol = TransportProtocol.Udp;
            }
            else if (name != "tcp")
            {
                return "\"" + text + "\" is not tcp/PORT or udp/PORT";
            }

            int value = 0;
            if (c.Length - 4 > 5)
            {
                return "\"" + text + "\": the port must be a whole number 0..65535";
            }

            for (int i = 4; i < c.Length; i++)
            {
                if (c[i] < '0' || c[i] > '9')
                {
                    return "\"" + text + "\": the port must be a whole number 0..65535";
                }

                value = (value * 10) + (c[i] - '0');
            }

            if (value > 65535)
            {
                return "\"" + text + "\": the port must be a whole number 0..65535";
            }

            port = (ushort)value;
            return null;
        }
    }
}
#endif
