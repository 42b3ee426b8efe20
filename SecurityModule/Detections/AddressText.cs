#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Addresses as text for detection messages and reported rules. IPv6 goes through
    /// <see cref="JsonWriter.WriteIpv6"/>, so that messages and flows spell it the same way
    /// (RFC 5952). Allocates: used when a rule is parsed or a detection is written, never per packet.
    /// </summary>
    internal static class AddressText
    {
        // Quotes plus the longest RFC 5952 text (45 chars with an embedded IPv4).
        private const int ScratchSize = 48;

        /// <summary>Dotted decimal text of an address whose first octet is in the most significant byte.</summary>
        internal static string Ipv4(uint address)
        {
            return (address >> 24).ToString() + "." + ((address >> 16) & 0xFF).ToString() + "."
                + ((address >> 8) & 0xFF).ToString() + "." + (address & 0xFF).ToString();
        }

        /// <summary>RFC 5952 text of the 16-byte address at <paramref name="offset"/>.</summary>
        internal static string Ipv6(byte[] address, int offset)
        {
            var json = new JsonWriter(ScratchSize);
            json.WriteIpv6(address, offset);

            // Without the quotes the writer put around it; the text is ASCII.
            var chars = new char[json.Length - 2];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)json.Buffer[i + 1];
            }

            return new string(chars);
        }
    }
}
#endif
