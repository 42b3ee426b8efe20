namespace NanoSecurity.Testing
{
    /// <summary>The CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3), as they go on the wire.</summary>
    public enum ConnectReturnCode
    {
        /// <summary>0: connection accepted.</summary>
        Accepted = 0,

        /// <summary>1: the server does not support the protocol level (IoT Hub: MQTT 3.1.1 only).</summary>
        UnacceptableProtocolVersion = 1,

        /// <summary>2: the client identifier is not allowed (e.g. empty).</summary>
        IdentifierRejected = 2,

        /// <summary>3: the service is unavailable.</summary>
        ServerUnavailable = 3,

        /// <summary>4: the user name or password is malformed.</summary>
        BadUserNameOrPassword = 4,

        /// <summary>5: not authorized (unknown identity, wrong or expired SAS token, mismatched names).</summary>
        NotAuthorized = 5,
    }
}
