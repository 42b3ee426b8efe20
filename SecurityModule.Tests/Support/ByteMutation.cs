namespace NanoSecurity.Tests
{
    /// <summary>The byte-level mutations the fuzz tests apply to valid documents.</summary>
    internal static class ByteMutation
    {
        /// <summary>
        /// Applies edits, each packed in a ulong: kind (flip a bit, insert, delete, replace, truncate,
        /// delete a run, repeat a stretch), position, and a byte taken from <paramref name="interesting"/> or raw.
        /// </summary>
        internal static byte[] Apply(byte[] original, ulong[] edits, byte[] interesting)
        {
            var bytes = new List<byte>(original);
            foreach (ulong edit in edits)
            {
                int kind = (int)(edit % 7);
                int where = (int)(edit >> 3 & 0x7FFFFFFF);
                ulong pick = edit >> 34;
                byte value = pick % 4 == 3 ? (byte)(pick >> 2) : interesting[(pick >> 2) % (ulong)interesting.Length];
                int at = bytes.Count == 0 ? 0 : where % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0:
                        bytes[at] ^= (byte)(1 << (value & 7));
                        break;
                    case 1:
                        bytes.Insert(where % (bytes.Count + 1), value);
                        break;
                    case 2 when bytes.Count > 0:
                        bytes.RemoveAt(at);
                        break;
                    case 3 when bytes.Count > 0:
                        bytes[at] = value;
                        break;
                    case 4:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    case 5 when bytes.Count > 0:
                        bytes.RemoveRange(at, Math.Min(1 + value % 8, bytes.Count - at));
                        break;
                    case 6 when bytes.Count > 0:
                        // Repeats a stretch: duplicated members, nested copies.
                        int length = Math.Min(1 + value % 64, bytes.Count - at);
                        bytes.InsertRange(where % (bytes.Count + 1), bytes.GetRange(at, length).ToArray());
                        break;
                }
            }

            return bytes.ToArray();
        }
    }
}
