namespace NanoSecurity
{
    /// <summary>
    /// Schema spellings of protocols and directions, quoted, ready to write.
    /// </summary>
    internal static class ProtocolNames
    {
        internal static string Quoted(TransportProtocol protocol)
        {
            switch (protocol)
            {
                case TransportProtocol.Tcp: return "\"TCP\"";
                case TransportProtocol.Udp: return "\"UDP\"";
                default: return "\"ICMP\"";
            }
        }

        internal static string Quoted(FlowDirection direction)
        {
            return direction == FlowDirection.In ? "\"In\"" : "\"Out\"";
        }
    }
}
