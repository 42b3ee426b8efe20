using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>Judges one check at a time, prints its line and counts the results.</summary>
    internal sealed class Check
    {
        private static readonly char[] HexDigits = "0123456789abcdef".ToCharArray();

        private readonly IDeviceTestOutput _output;

        internal Check(IDeviceTestOutput output)
        {
            _output = output;
        }

        /// <summary>Prefix of every check's name, e.g. "crypto".</summary>
        internal string Group;

        internal int Passed;

        internal int Failed;

        internal void Pass(string name)
        {
            Passed++;
            _output.WriteLine("PASS " + Group + "." + name);
        }

        internal void Fail(string name, string why)
        {
            Failed++;
            _output.WriteLine("FAIL " + Group + "." + name + ": " + why);
        }

        /// <summary>A failure of the group as a whole (it threw).</summary>
        internal void Fail(string why)
        {
            Fail("(group)", why);
        }

        internal void True(string name, bool condition, string detail)
        {
            if (condition)
            {
                Pass(name);
            }
            else
            {
                Fail(name, detail);
            }
        }

        internal void Equal(string name, string expected, string actual)
        {
            if (expected == actual)
            {
                Pass(name);
            }
            else
            {
                Fail(name, "expected \"" + Printable(expected) + "\" got \"" + Printable(actual) + "\"");
            }
        }

        internal void Equal(string name, long expected, long actual)
        {
            if (expected == actual)
            {
                Pass(name);
            }
            else
            {
                Fail(name, "expected " + expected.ToString() + " got " + actual.ToString());
            }
        }

        internal void Equal(string name, bool expected, bool actual)
        {
            Equal(name, expected ? "true" : "false", actual ? "true" : "false");
        }

        /// <summary>Compares bytes with their expected lower-case hex.</summary>
        internal void Bytes(string name, string expectedHex, byte[] buffer, int offset, int count)
        {
            Equal(name, expectedHex, ToHex(buffer, offset, count));
        }

        /// <summary>Compares bytes with the UTF-8 of text written in plain ASCII (no escapes needed).</summary>
        internal void Ascii(string name, string expected, byte[] buffer, int offset, int count)
        {
            var chars = new char[count];
            for (int i = 0; i < count; i++)
            {
                chars[i] = (char)buffer[offset + i];
            }

            Equal(name, expected, new string(chars));
        }

        /// <summary>Prints a timing line; timings are figures to read, not checks.</summary>
        internal void Time(string name, long elapsedTicks, int operations, string unit)
        {
            long nanosecondsPerOperation = elapsedTicks * 100 / operations;
            _output.WriteLine("TIME " + name + " " + nanosecondsPerOperation.ToString() + " ns/" + unit + " (" + operations.ToString() + " runs)");
        }

        internal static string ToHex(byte[] buffer, int offset, int count)
        {
            var chars = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                byte b = buffer[offset + i];
                chars[2 * i] = HexDigits[b >> 4];
                chars[2 * i + 1] = HexDigits[b & 0xF];
            }

            return new string(chars);
        }

        internal static byte[] FromHex(string hex)
        {
            char[] chars = hex.ToCharArray();
            var bytes = new byte[chars.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)((Nibble(chars[2 * i]) << 4) | Nibble(chars[2 * i + 1]));
            }

            return bytes;
        }

        /// <summary>The text with everything outside printable ASCII as \uXXXX, read through ToCharArray (right on nanoCLR).</summary>
        internal static string Printable(string text)
        {
            if (text == null)
            {
                return "(null)";
            }

            char[] chars = text.ToCharArray();
            int length = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                length += chars[i] >= ' ' && chars[i] < 0x7F && chars[i] != '\\' ? 1 : 6;
            }

            var result = new char[length];
            int at = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c >= ' ' && c < 0x7F && c != '\\')
                {
                    result[at++] = c;
                    continue;
                }

                result[at++] = '\\';
                result[at++] = 'u';
                result[at++] = HexDigits[(c >> 12) & 0xF];
                result[at++] = HexDigits[(c >> 8) & 0xF];
                result[at++] = HexDigits[(c >> 4) & 0xF];
                result[at++] = HexDigits[c & 0xF];
            }

            return new string(result);
        }

        private static int Nibble(char c)
        {
            return c <= '9' ? c - '0' : c - 'a' + 10;
        }
    }
}
