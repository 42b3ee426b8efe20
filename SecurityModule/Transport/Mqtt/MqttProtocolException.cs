using System;

namespace NanoSecurity
{
    /// <summary>
    /// The peer broke MQTT 3.1.1: a malformed, truncated, oversized or unexpected packet, or
    /// text that is not well-formed UTF-8. The connection cannot go on after it.
    /// </summary>
    internal sealed class MqttProtocolException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What was wrong with the packet.</param>
        internal MqttProtocolException(string message)
            : base(message)
        {
        }
    }
}
