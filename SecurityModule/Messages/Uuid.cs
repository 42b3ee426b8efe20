namespace NanoSecurity
{
    /// <summary>
    /// RFC 4122 UUIDs kept as 16 bytes in the order <see cref="JsonWriter.WriteGuid"/> writes them.
    /// </summary>
    internal static class Uuid
    {
        /// <summary>
        /// Turns 16 random bytes into a version 4 UUID: sets the version nibble (byte 6) to 4
        /// and the variant bits (byte 8) to 10.
        /// </summary>
        /// <param name="bytes">Holds the 16 random bytes; changed in place.</param>
        /// <param name="offset">Index of the first byte in <paramref name="bytes"/>.</param>
        internal static void MakeVersion4(byte[] bytes, int offset)
        {
            bytes[offset + 6] = (byte)((bytes[offset + 6] & 0x0F) | 0x40);
            bytes[offset + 8] = (byte)((bytes[offset + 8] & 0x3F) | 0x80);
        }
    }
}
