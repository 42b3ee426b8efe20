using System;

namespace NanoSecurity
{
    /// <summary>
    /// The server answered CONNECT with a CONNACK that refuses the connection.
    /// </summary>
    internal sealed class MqttConnectException : Exception
    {
        private readonly int _returnCode;

        /// <summary>Creates the exception for a refusal.</summary>
        /// <param name="returnCode">The CONNACK return code, 1 to 5.</param>
        internal MqttConnectException(int returnCode)
            : base(Describe(returnCode))
        {
            _returnCode = returnCode;
        }

        /// <summary>The CONNACK return code (MQTT 3.1.1 table 3.1), 1 to 5.</summary>
        internal int ReturnCode
        {
            get { return _returnCode; }
        }

        /// <summary>Says what a refusing CONNACK return code means.</summary>
        /// <param name="returnCode">The return code.</param>
        /// <returns>The text, naming the code.</returns>
        internal static string Describe(int returnCode)
        {
            switch (returnCode)
            {
                case 1:
                    return "connection refused (CONNACK 1): unacceptable protocol version";
                case 2:
                    return "connection refused (CONNACK 2): identifier rejected";
                case 3:
                    return "connection refused (CONNACK 3): server unavailable";
                case 4:
                    return "connection refused (CONNACK 4): bad user name or password";
                case 5:
                    return "connection refused (CONNACK 5): not authorized";
                default:
                    return "connection refused (CONNACK " + returnCode.ToString() + "): not a MQTT 3.1.1 return code";
            }
        }
    }
}
