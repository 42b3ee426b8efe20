using System;

namespace NanoSecurity
{
    /// <summary>
    /// The server answered SUBSCRIBE with the failure return code 0x80.
    /// </summary>
    internal sealed class MqttSubscribeException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="topicFilter">The filter the server refused.</param>
        internal MqttSubscribeException(string topicFilter)
            : base("subscription to '" + topicFilter + "' refused by the server (SUBACK 0x80)")
        {
        }
    }
}
