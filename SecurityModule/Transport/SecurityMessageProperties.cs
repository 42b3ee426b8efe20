namespace NanoSecurity
{
    /// <summary>
    /// The message properties that make IoT Hub route a message to Defender for IoT, for an
    /// application that sends the module's messages over its own connection.
    /// </summary>
    public static class SecurityMessageProperties
    {
        /// <summary>Content type ($.ct) of every security message.</summary>
        public const string ContentType = "application/json";

        /// <summary>Content encoding ($.ce) of every security message.</summary>
        public const string ContentEncoding = "utf-8";

        /// <summary>Interface id ($.ifid) that marks a message as a security message.</summary>
        public const string InterfaceId = "urn:azureiot:Security:SecurityAgent:1";

        /// <summary>
        /// The three properties as an MQTT topic property bag, percent-encoded ('$' too) exactly as
        /// the Azure RTOS security module's topic sends them (a test rebuilds it with UrlEncoding).
        /// </summary>
        public const string MqttPropertyBag =
            "%24.ct=application%2Fjson&%24.ce=utf-8&%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1";
    }
}
