using System.Text;
using NanoSecurity.Testing;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// xunit face of <see cref="SecurityMessageValidator"/> (SecurityModule.Testing), which checks
    /// security messages against Microsoft's Defender for IoT schemas (message schema 1.0).
    /// </summary>
    internal static class SecurityMessageSchema
    {
        /// <summary>The folder the security message schemas were copied to, next to the test assembly.</summary>
        internal static string Folder => SecurityMessageValidator.Folder;

        /// <summary>
        /// Asserts that the first <paramref name="length"/> bytes of <paramref name="buffer"/> are
        /// strict UTF-8, strict JSON (no duplicate names), valid against the schema, and that every
        /// TimestampLocal and TimestampUTC has a 'T' between date and time.
        /// </summary>
        internal static void AssertValid(byte[] buffer, int length)
        {
            if (!SecurityMessageValidator.Validate(buffer, length, out string errors))
            {
                Assert.Fail("The security message is invalid:\n" + errors + "Message:\n" + Encoding.UTF8.GetString(buffer, 0, length));
            }
        }

        /// <summary>
        /// Asserts that <paramref name="json"/> is strict JSON (no duplicate names), valid against
        /// the schema, and that every TimestampLocal and TimestampUTC has a 'T' between date and time.
        /// </summary>
        internal static void AssertValid(string json)
        {
            if (!SecurityMessageValidator.Validate(json, out string errors))
            {
                Assert.Fail("The security message is invalid:\n" + errors + "Message:\n" + json);
            }
        }

        /// <summary>
        /// Checks <paramref name="json"/> against the schema alone (not the timestamps' 'T').
        /// </summary>
        /// <param name="json">The message.</param>
        /// <param name="errors">One line per error, naming the event and the failed keyword; empty if valid.</param>
        /// <returns>True if the schema accepts the message.</returns>
        internal static bool IsValid(string json, out string errors)
        {
            return SecurityMessageValidator.ValidateSchemaOnly(json, out errors);
        }
    }
}
